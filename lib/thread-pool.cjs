// Preloaded by `npm run serve` (node --require) before anything starts libuv's thread pool, which reads its size once.
// argon2id hashing runs on that pool; with more threads than CPUs, each hash's 19 MiB working set evicts the others'
// from the caches: raw verifies ran 181/s on 4 threads and 228-244/s on 2 on this 2-CPU machine. An operator's own
// UV_THREADPOOL_SIZE is kept.
'use strict'
process.env.UV_THREADPOOL_SIZE ??= String(require('node:os').availableParallelism())
