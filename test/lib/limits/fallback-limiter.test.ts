// The in-process counts (no REDIS_URL, or while Redis is away) under attack: a flood of distinct clients cannot grow
// them past their bound, and a client over its limit stays refused however many others come and go meanwhile.
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { FallbackLimiter } from '../../../lib/limits/fallback-limiter.js'

async function taken (limiter: FallbackLimiter, key: string): Promise<boolean> {
  try {
    await limiter.consume(key)
    return true
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return false
    throw refusal
  }
}

test('a flood of distinct clients is held to the bound, each of them counted', async (t) => {
  const limiter = new FallbackLimiter({ keyPrefix: 'flood', points: 5, durationSeconds: 60, maxLocalKeys: 100 }, undefined)
  let allowed = 0
  for (let client = 0; client < 5_000; client++) if (await taken(limiter, `2001:db8:${client.toString(16)}::/64`)) allowed++
  t.equal(allowed, 5_000, 'every new client has its allowance')
  t.equal(limiter.localKeyCount, 100, 'no more counts than the bound')
})

test('a client over its limit stays refused while other clients churn through the bound', async (t) => {
  const limiter = new FallbackLimiter({ keyPrefix: 'churn', points: 3, durationSeconds: 60, maxLocalKeys: 50 }, undefined)
  for (let attempt = 0; attempt < 3; attempt++) t.equal(await taken(limiter, 'attacker'), true)
  let refusedEveryTime = true
  for (let other = 0; other < 2_000; other++) {
    await taken(limiter, `other-${other}`)
    if (other % 10 === 0) refusedEveryTime &&= !(await taken(limiter, 'attacker'))
  }
  t.equal(refusedEveryTime, true, 'the attacker, counted again and again, was never forgotten')
  t.ok((limiter.localKeyCount ?? Infinity) <= 50)
})

test('a count ends with its window; reward gives a point back and delete forgets the client', async (t) => {
  const limiter = new FallbackLimiter({ keyPrefix: 'window', points: 2, durationSeconds: 1, maxLocalKeys: 10 }, undefined)
  t.equal(await taken(limiter, 'client'), true)
  t.equal(await taken(limiter, 'client'), true)
  t.equal(await taken(limiter, 'client'), false, 'over the limit')
  await limiter.reward('client')
  await limiter.reward('client')
  t.equal(await taken(limiter, 'client'), true, 'a point given back can be taken again')
  await limiter.delete('client')
  const fresh = await limiter.consume('client')
  t.equal(fresh.consumedPoints, 1, 'forgotten: a fresh count')
  t.ok(fresh.msBeforeNext > 0 && fresh.msBeforeNext <= 1000, 'with its window ahead')
  await taken(limiter, 'client')
  t.equal(await taken(limiter, 'client'), false)
  await sleep(1_100)
  t.equal(await taken(limiter, 'client'), true, 'a new window')
})
