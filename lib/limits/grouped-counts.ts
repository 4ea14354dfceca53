// The counts that requests of one turn of the event loop take against one key go to the store as one
// consume(key, n) (setImmediate): a Redis command or a message to the primary costs the service more CPU than the
// point it carries. Request i of the turn's n gets the very answer it would have had counted alone, in arrival order:
// the store adds n atomically, so the turn's counts are consumed - n + 1 ... consumed.
import { RateLimiterRes } from 'rate-limiter-flexible'

export interface PointStore {
  readonly points: number
  // Resolves with the count when the points fit the allowance; rejects with a RateLimiterRes when they did not.
  consume: (key: string, points: number) => Promise<RateLimiterRes>
}

interface Waiter {
  resolve: (count: RateLimiterRes) => void
  reject: (error: unknown) => void
}

// Resolves with the request's count when it was admitted; rejects with its RateLimiterRes when it was not.
export type CountRequest = (key: string) => Promise<RateLimiterRes>

export function groupedCounts (store: PointStore, afterSend?: () => void): CountRequest {
  let waiting = new Map<string, Waiter[]>()

  function answer (waiters: Waiter[], total: RateLimiterRes): void {
    waiters.forEach((waiter, index) => {
      const consumed = total.consumedPoints - (waiters.length - 1 - index)
      const count = new RateLimiterRes(Math.max(0, store.points - consumed), total.msBeforeNext, consumed, consumed === 1)
      if (consumed <= store.points) waiter.resolve(count)
      else waiter.reject(count)
    })
  }

  function send (key: string, waiters: Waiter[]): void {
    store.consume(key, waiters.length).then((total) => { answer(waiters, total) }, (error: unknown) => {
      if (error instanceof RateLimiterRes) answer(waiters, error)
      else for (const waiter of waiters) waiter.reject(error)
    })
  }

  function sendWaiting (): void {
    const turn = waiting
    waiting = new Map()
    for (const [key, waiters] of turn) send(key, waiters)
    afterSend?.()
  }

  return async function count (key) {
    return await new Promise<RateLimiterRes>((resolve, reject) => {
      let waiters = waiting.get(key)
      if (waiters === undefined) {
        if (waiting.size === 0) setImmediate(sendWaiting)
        waiting.set(key, waiters = [])
      }
      waiters.push({ resolve, reject })
    })
  }
}
