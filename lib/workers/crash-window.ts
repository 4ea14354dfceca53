// Counts a worker's unexpected exits over a sliding window: past the limit, restarting it again would be a crash loop.
export const CRASH_LIMIT = 5
export const CRASH_WINDOW_MS = 60_000

export class CrashWindow {
  private exits: number[] = []

  constructor (readonly limit = CRASH_LIMIT, readonly windowMs = CRASH_WINDOW_MS) {}

  // Records one exit; true when the limit is reached within the window.
  record (now = Date.now()): boolean {
    this.exits = [...this.exits.filter((at) => now - at < this.windowMs), now]
    return this.exits.length >= this.limit
  }
}
