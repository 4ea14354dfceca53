// A fault test that this machine cannot run (no redis-server, no right to mount a tmpfs, ...) is skipped loudly;
// in CI it fails instead, so that a green CI run has always run every fault test.
export const inCi = process.env.CI !== undefined && process.env.CI !== ''

// The reason to skip `what` (false when nothing stands in the way); throws in CI.
export function cannotRun (what: string, reason: string | false | undefined): string | false {
  if (reason === undefined || reason === false) return false
  if (inCi) throw new Error(`CI must run ${what}, but ${reason}`)
  console.error(`!!! SKIPPED ${what}: ${reason} !!!`)
  return reason
}
