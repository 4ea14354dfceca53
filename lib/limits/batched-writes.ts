// The counts that requests read in one turn of the event loop go to Redis in one write, and their answers come back
// in one read: the connection is corked at the turn's first command and uncorked once every request read in that
// turn has counted (setImmediate). A write and a read to Redis cost the service more CPU than the commands they carry.
// (ioredis's enableAutoPipelining batches too, but its pipeline objects cost as much CPU as the writes they save, and
// it sends one batch at a time: behind a stalled Redis, a batch would wait for the previous one's command timeout.)
import type { Redis } from 'ioredis'

export class BatchedWrites {
  private held: Redis['stream'] | undefined

  constructor (private readonly redis: Redis) {}

  // Before a command. Without a ready connection ioredis fails the command at once, and there is nothing to hold.
  hold (): void {
    if (this.held !== undefined || this.redis.status !== 'ready') return
    this.held = this.redis.stream
    this.held.cork()
    setImmediate(this.sendHeld)
  }

  // At the latest in the next turn's setImmediate phase; at once from a caller that knows the turn's commands are sent.
  readonly sendHeld = (): void => {
    this.held?.uncork()
    this.held = undefined
  }
}

// One per connection: every limit's commands of a turn share its write.
const writesOf = new WeakMap<Redis, BatchedWrites>()

export function batchedWrites (redis: Redis): BatchedWrites {
  let writes = writesOf.get(redis)
  if (writes === undefined) writesOf.set(redis, writes = new BatchedWrites(redis))
  return writes
}
