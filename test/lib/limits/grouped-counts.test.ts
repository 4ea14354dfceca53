// A turn's counts against one key taken as one consume(key, n) (lib/limits/grouped-counts.ts): every request gets the
// very answer it would have had counted alone, in arrival order, whatever the allowance left.
import { test } from 'tap'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { groupedCounts, type PointStore } from '../../../lib/limits/grouped-counts.js'

type Answer = { admitted: boolean, remainingPoints: number, consumedPoints: number } | { error: string }

async function answerOf (count: Promise<RateLimiterRes>): Promise<Answer> {
  try {
    const { remainingPoints, consumedPoints } = await count
    return { admitted: true, remainingPoints, consumedPoints }
  } catch (outcome) {
    if (!(outcome instanceof RateLimiterRes)) return { error: (outcome as Error).message }
    return { admitted: false, remainingPoints: outcome.remainingPoints, consumedPoints: outcome.consumedPoints }
  }
}

// rate-limiter-flexible's memory limiter, recording the points of each call.
function recordedStore (points: number): PointStore & { calls: Array<[string, number]> } {
  const limiter = new RateLimiterMemory({ points, duration: 60 })
  const calls: Array<[string, number]> = []
  return {
    points,
    calls,
    async consume (key, taken) {
      calls.push([key, taken])
      return await limiter.consume(key, taken)
    }
  }
}

test('turns of mixed keys: each request answered as if counted alone, one consume per key a turn', async (t) => {
  const turns = [['a', 'a', 'b', 'a', 'a'], ['b', 'a', 'b', 'b', 'b', 'c'], ['a'], ['c', 'c', 'c', 'c', 'c']]
  const store = recordedStore(4)
  const alone = new RateLimiterMemory({ points: 4, duration: 60 })
  const count = groupedCounts(store)
  for (const keys of turns) {
    const grouped = await Promise.all(keys.map(async (key) => await answerOf(count(key))))
    const expected: Answer[] = []
    for (const key of keys) expected.push(await answerOf(alone.consume(key)))
    t.same(grouped, expected, `turn ${keys.join(' ')}`)
  }
  t.same(store.calls, [['a', 4], ['b', 1], ['b', 4], ['a', 1], ['c', 1], ['a', 1], ['c', 5]], 'one consume per key per turn, with its points')
})

test('a turn that crosses the allowance: the first requests in, the rest refused, the store counting every one', async (t) => {
  const store = recordedStore(3)
  const count = groupedCounts(store)
  await answerOf(count('client'))
  const answers = await Promise.all(Array.from({ length: 5 }, async () => await answerOf(count('client'))))
  t.same(answers, [
    { admitted: true, remainingPoints: 1, consumedPoints: 2 },
    { admitted: true, remainingPoints: 0, consumedPoints: 3 },
    { admitted: false, remainingPoints: 0, consumedPoints: 4 },
    { admitted: false, remainingPoints: 0, consumedPoints: 5 },
    { admitted: false, remainingPoints: 0, consumedPoints: 6 }
  ])
  t.same(store.calls, [['client', 1], ['client', 5]], 'the turn of five went as one consume of five')
})

test('a store failure reaches only the requests of its key; the next turn counts again', async (t) => {
  const store = recordedStore(10)
  const count = groupedCounts({
    points: 10,
    async consume (key, taken) {
      if (key === 'broken') throw new Error('store unavailable')
      return await store.consume(key, taken)
    }
  })
  const answers = await Promise.all(['broken', 'fine', 'broken', 'fine'].map(async (key) => await answerOf(count(key))))
  t.same(answers, [
    { error: 'store unavailable' },
    { admitted: true, remainingPoints: 9, consumedPoints: 1 },
    { error: 'store unavailable' },
    { admitted: true, remainingPoints: 8, consumedPoints: 2 }
  ])
  t.same(await answerOf(count('fine')), { admitted: true, remainingPoints: 7, consumedPoints: 3 })
})

test('afterSend runs once a turn, after the turn\'s consumes were called', async (t) => {
  const events: string[] = []
  const count = groupedCounts({
    points: 10,
    async consume (key, taken) {
      events.push(`consume ${key} ${taken}`)
      return new RateLimiterRes(10 - taken, 60_000, taken, true)
    }
  }, () => { events.push('sent') })
  await Promise.all([count('a'), count('b'), count('a')])
  await count('a')
  t.same(events, ['consume a 2', 'consume b 1', 'sent', 'consume a 1', 'sent'])
})
