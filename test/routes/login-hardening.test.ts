// Login reveals nothing about which usernames exist, and upgrades hashes made with weaker parameters.
import { test } from 'tap'
import { hash } from '@node-rs/argon2'
import type { FastifyInstance } from 'fastify'
import { build, registerUser } from '../helper.js'

async function timedLogin (app: FastifyInstance, username: string, password: string) {
  const started = process.hrtime.bigint()
  const response = await app.inject({ method: 'POST', url: '/login', payload: { username, password } })
  return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

test('an unknown username and a wrong password get the same answer, in about the same time', async (t) => {
  const app = await build(t, { loginFailureLimit: 0 })
  await registerUser(app, 'known-user')
  const unknown: number[] = []
  const wrong: number[] = []
  for (let i = 0; i < 9; i++) {
    const a = await timedLogin(app, 'no-such-user', 'a wrong password')
    const b = await timedLogin(app, 'known-user', 'a wrong password')
    t.equal(a.response.statusCode, 401)
    t.equal(b.response.statusCode, 401)
    t.equal(a.response.body, b.response.body, 'byte-identical bodies')
    t.same(a.response.json(), { statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password', code: 'invalid_credentials' })
    t.equal(a.response.headers['www-authenticate'], b.response.headers['www-authenticate'])
    unknown.push(a.ms)
    wrong.push(b.ms)
  }
  // Both run one argon2id verification; a shortcut for unknown users would be an order of magnitude faster.
  const ratio = median(unknown) / median(wrong)
  t.ok(ratio > 0.4 && ratio < 2.5, `median ${median(unknown).toFixed(1)} ms vs ${median(wrong).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`)
})

test('a hash made with weaker parameters is upgraded at the next successful login', async (t) => {
  const app = await build(t)
  const password = 'an old but good passphrase'
  const weakHash = await hash(password, { memoryCost: 4096, timeCost: 1, parallelism: 1 })
  const user = await app.users.create({ username: 'legacy', name: 'Legacy', passwordHash: weakHash, role: 'normal' })

  const wrong = await app.inject({ method: 'POST', url: '/login', payload: { username: 'legacy', password: 'not the passphrase' } })
  t.equal(wrong.statusCode, 401)
  t.equal((await app.users.findById(user.id))?.password_hash, weakHash, 'a failed login changes nothing')

  const first = await app.inject({ method: 'POST', url: '/login', payload: { username: 'legacy', password } })
  t.equal(first.statusCode, 200)
  const upgraded = (await app.users.findById(user.id))?.password_hash ?? ''
  t.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'rehashed at OWASP parameters')

  const second = await app.inject({ method: 'POST', url: '/login', payload: { username: 'legacy', password } })
  t.equal(second.statusCode, 200, 'the password still works')
  t.equal((await app.users.findById(user.id))?.password_hash, upgraded, 'a current hash is left alone')
})

test('accounts made with a current hash are not rehashed', async (t) => {
  const app = await build(t)
  const user = await registerUser(app, 'modern')
  const before = (await app.users.findById(user.id))?.password_hash
  t.equal((await app.inject({ method: 'POST', url: '/login', payload: { username: 'modern', password: user.password } })).statusCode, 200)
  t.equal((await app.users.findById(user.id))?.password_hash, before)
})
