// argon2 across workers: the service as a whole never hashes on more threads than there are CPUs (while WORKERS is at
// most the CPU count), and never holds more waiting hashes than ARGON2_QUEUE_SIZE (but one a worker below WORKERS).
import { test } from 'tap'
import { hashingThreadsPerWorker, waitingHashesPerWorker } from '../../../lib/workers/hashing-share.js'

test('hashing threads: the CPUs shared among the workers, at least one each', async (t) => {
  t.equal(hashingThreadsPerWorker(1, 8), 8, 'one process hashes on every CPU')
  for (const [workers, cpus] of [[2, 2], [2, 8], [3, 8], [8, 8], [4, 2]]) {
    const threads = hashingThreadsPerWorker(workers, cpus)
    t.ok(threads >= 1, `${workers} workers on ${cpus} CPUs: ${threads} each`)
    if (workers <= cpus) t.ok(threads * workers <= cpus, `${workers} workers on ${cpus} CPUs: ${threads * workers} threads in all`)
  }
})

test('waiting hashes: ARGON2_QUEUE_SIZE shared among the workers; 0 stays 0', async (t) => {
  t.equal(waitingHashesPerWorker(32, 1), 32)
  t.equal(waitingHashesPerWorker(32, 2), 16)
  t.equal(waitingHashesPerWorker(33, 4), 8, 'rounded down: never more than the setting in all')
  t.equal(waitingHashesPerWorker(2, 4), 1, 'at least one a worker when the setting is not 0')
  t.equal(waitingHashesPerWorker(0, 4), 0, '0: no hash waits on any worker')
})
