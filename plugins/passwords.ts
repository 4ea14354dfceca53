// Password hashing with argon2id at OWASP's parameters; @node-rs/argon2 runs on the libuv thread pool.
// Hashes run at most one per CPU, behind a bounded queue: past it, 503 at once instead of an ever longer wait.
// The routes that hash admit that many requests, each only once its whole body has arrived (within a bound) and passed
// validation, so a client that trickles its bodies holds no slot; and one address holds at most a share of the slots,
// so one address cannot lock everyone else out, while /health, the admitted logins and everything else keep the loop.
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import fp from 'fastify-plugin'
import PQueue from 'p-queue'
import type { FastifyRequest, preHandlerHookHandler, preParsingHookHandler } from 'fastify'
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2'
import { ApiError, ShedError } from '../lib/api-error.js'
import { bodyDeadline } from '../lib/http/body-deadline.js'
import { clientKey } from '../lib/limits/client-key.js'
import { hashingThreadsPerWorker, waitingHashesPerWorker } from '../lib/workers/hashing-share.js'

// Algorithm.Argon2id; the package's const enum cannot be read under isolatedModules.
const ARGON2ID = 2 as Algorithm

export const ARGON2_OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 }

// The request a hash is for: when its client has gone by the hash's turn, the hash is not started.
type ForRequest = Pick<FastifyRequest, 'raw'>

declare module 'fastify' {
  interface FastifyInstance {
    passwords: {
      hash: (password: string, forRequest?: ForRequest) => Promise<string>
      // Verifies against the user's hash, or a dummy one when there is no user, so both take the same time.
      verify: (passwordHash: string | undefined, password: string, forRequest?: ForRequest) => Promise<boolean>
      // True for hashes made with another algorithm or weaker parameters than today's.
      needsRehash: (passwordHash: string) => boolean
      // preParsing of every route that hashes: its body arrives within BODY_TIMEOUT_MS, else 408 request_timeout.
      readBodyInTime: preParsingHookHandler
      // preHandler of every route that hashes: 503 at once while as many requests as the queue holds are in progress,
      // or while the client's address holds its share of them.
      admit: preHandlerHookHandler
    }
  }
}

export interface PasswordsOptions {
  // Hashes that may wait for a free CPU; defaults to the configuration's ARGON2_QUEUE_SIZE.
  queueSize?: number
  // How long the body of a route that hashes may take to arrive; defaults to BODY_TIMEOUT_MS.
  bodyTimeoutMs?: number
}

// A login body is a few hundred bytes: any client that is not trickling on purpose sends it well within this.
export const BODY_TIMEOUT_MS = 10_000

// The part of the password slots one client address (lib/limits/client-key.ts: an IPv6 /64 counts as one) may hold at once.
export const ADDRESS_SHARE = 1 / 4
// A slot frees as soon as one of that address's checks ends, in well under a second.
const ADDRESS_RETRY_AFTER_SECONDS = 1

export function slotsPerAddress (slots: number): number {
  return Math.max(1, Math.floor(slots * ADDRESS_SHARE))
}

function clientHasGone (forRequest: ForRequest | undefined): boolean {
  return forRequest?.raw.socket?.destroyed === true
}

export default fp<PasswordsOptions>(async function passwords (fastify, opts) {
  const workers = fastify.hasDecorator('config') ? fastify.config.workers : 1
  const queueSize = opts.queueSize ?? waitingHashesPerWorker(fastify.hasDecorator('config') ? fastify.config.argon2QueueSize : 16 * availableParallelism(), workers)
  // p-queue runs at most `concurrency` at once and says how many wait (size), which is what the bound needs.
  const queue = new PQueue({ concurrency: hashingThreadsPerWorker(workers) })

  function refuseBusy (): ShedError {
    fastify.loadShed.record('password_queue')
    return new ShedError('Too many password checks are waiting; try again shortly')
  }

  // Requests between admission and their answer: each may hash once or twice, and no more of them can be served soon.
  let inProgress = 0
  const inProgressByAddress = new Map<string, number>()
  const admit: preHandlerHookHandler = function admitPasswordWork (request, reply, done) {
    const slots = queueSize + queue.concurrency
    if (inProgress >= slots) return done(refuseBusy())
    const address = clientKey(request.ip)
    const held = inProgressByAddress.get(address) ?? 0
    // A per-client limit (429), not an overload: the service still admits every other address.
    if (held >= slotsPerAddress(slots)) {
      reply.header('retry-after', String(ADDRESS_RETRY_AFTER_SECONDS))
      return done(new ApiError(429, 'rate_limited', 'Too many password checks from your address are in progress; try again shortly'))
    }
    inProgress++
    inProgressByAddress.set(address, held + 1)
    reply.raw.once('close', function giveSlotBack () {
      inProgress--
      const left = (inProgressByAddress.get(address) ?? 1) - 1
      if (left === 0) inProgressByAddress.delete(address)
      else inProgressByAddress.set(address, left)
    })
    done()
  }

  async function bounded<T> (work: () => Promise<T>, forRequest: ForRequest | undefined): Promise<T> {
    if (queue.size >= queueSize && queue.pending >= queue.concurrency) throw refuseBusy()
    return await queue.add(async function whenCpuFree () {
      if (clientHasGone(forRequest)) {
        fastify.loadShed.record('client_gone')
        throw new ShedError('The client has gone')
      }
      return await work()
    }, { throwOnTimeout: true })
  }

  const dummyHash = await hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS)

  // PHC prefix of a hash made with ARGON2_OPTIONS; the salt and digest follow it.
  const currentPrefix = `$argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}$`

  fastify.decorate('passwords', {
    hash: (password: string, forRequest?: ForRequest) => bounded(() => hash(password, ARGON2_OPTIONS), forRequest),
    needsRehash: (passwordHash: string) => !passwordHash.startsWith(currentPrefix),
    readBodyInTime: bodyDeadline(opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS),
    admit,
    async verify (passwordHash: string | undefined, password: string, forRequest?: ForRequest) {
      const matches = await bounded(async () => {
        try {
          return await verify(passwordHash ?? dummyHash, password)
        } catch {
          return false
        }
      }, forRequest)
      return matches && passwordHash !== undefined
    }
  })
}, { name: 'passwords', dependencies: ['load-shed'] })
