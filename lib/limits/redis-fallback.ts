// Whether the counters that Redis shares are being kept in this process instead, because Redis does not answer.
// One failed command switches over at once (later requests skip Redis, so a stalled Redis costs one command timeout,
// not one per request); a probe every PROBE_INTERVAL_MS switches back when Redis answers again. Each switch is logged once.
import type { FastifyBaseLogger } from 'fastify'

const PROBE_INTERVAL_MS = 1000

export class RedisFallback {
  active = false
  private probe: NodeJS.Timeout | undefined
  private probing = false

  constructor (private readonly ping: () => Promise<unknown>, private readonly log: FastifyBaseLogger) {}

  enter (error: unknown): void {
    if (this.active) return
    this.active = true
    this.log.warn({ err: error, event: 'redis_fallback' }, 'redis does not answer; rate limits and the login throttle count in this process until it does')
    this.probe = setInterval(() => { this.tryRedis().catch(() => {}) }, PROBE_INTERVAL_MS).unref()
  }

  close (): void {
    clearInterval(this.probe)
  }

  private async tryRedis (): Promise<void> {
    if (this.probing) return
    this.probing = true
    try {
      await this.ping()
      this.active = false
      clearInterval(this.probe)
      this.log.info({ event: 'redis_recovered' }, 'redis answers again; rate limits and the login throttle are shared again')
    } catch {
      // Still away; the next probe tries again.
    } finally {
      this.probing = false
    }
  }
}
