// npm test's one-screen summary: what one tap run's TAP output says (files, assertions, failures, time), and the
// result of the SQLite and PostgreSQL runs together. scripts/run-tests.mjs feeds it tap's output line by line.

export interface RunSummary {
  label: string
  files: number
  failedFiles: string[]
  // Files tap ran but found no test in: a helper caught by the include pattern.
  emptyFiles: string[]
  assertions: number
  passed: number
  failed: number
  skipped: number
  milliseconds: number
  // False when the output had no final count: tap itself failed, or another reporter was asked for.
  complete: boolean
  status: number
}

export class TapTally {
  private readonly files = new Set<string>()
  private readonly failedFiles: string[] = []
  private readonly emptyFiles: string[] = []
  private counts: { total: number, pass: number, fail: number, skip: number } | undefined

  // One line of the top-level TAP stream (subtests are indented, and left to tap's own report).
  line (text: string): void {
    const result = /^(not )?ok \d+ - (\S+)(.*)$/.exec(text)
    if (result !== null) {
      const [, failed, file = '', rest = ''] = result
      this.files.add(file)
      if (failed !== undefined) this.failedFiles.push(file)
      if (/# SKIP no tests found/.test(rest)) this.emptyFiles.push(file)
      return
    }
    const counts = /^# \{ total: (\d+)(.*)\}/.exec(text)
    if (counts !== null) {
      const count = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(counts[2] ?? '')?.[1] ?? 0)
      this.counts = { total: Number(counts[1]), pass: count('pass'), fail: count('fail'), skip: count('skip') }
    }
  }

  summary (label: string, status: number, milliseconds: number): RunSummary {
    const counts = this.counts ?? { total: 0, pass: 0, fail: 0, skip: 0 }
    return {
      label,
      files: this.files.size,
      failedFiles: [...this.failedFiles],
      emptyFiles: [...this.emptyFiles],
      assertions: counts.total,
      passed: counts.pass,
      failed: counts.fail,
      skipped: counts.skip,
      milliseconds,
      complete: this.counts !== undefined,
      status
    }
  }
}

export function duration (milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000)
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`
}

function number (value: number): string {
  return value.toLocaleString('en-US')
}

function files (count: number): string {
  return `${number(count)} file${count === 1 ? '' : 's'}`
}

// A run passed when tap said so and its output agrees.
export function passed (run: RunSummary): boolean {
  return run.status === 0 && run.complete && run.failed === 0 && run.failedFiles.length === 0
}

export function formatRun (run: RunSummary): string {
  const lines = [
    `== ${run.label}: ${passed(run) ? 'PASSED' : 'FAILED'} in ${duration(run.milliseconds)}`,
    `   ${files(run.files)}, ${number(run.assertions)} assertions: ${number(run.passed)} passed, ${number(run.failed)} failed, ${number(run.skipped)} skipped`
  ]
  if (!run.complete) lines.push(`   tap gave no final count (exit code ${run.status}): see its output above`)
  for (const file of run.failedFiles) lines.push(`   failed: ${file}`)
  for (const file of run.emptyFiles) lines.push(`   no tests found (a helper in the test set?): ${file}`)
  return lines.join('\n')
}

// The last lines of npm test: each run in one line, then the verdict.
export function formatTotal (runs: RunSummary[], skippedRuns: string[] = []): string {
  const lines = ['', '== npm test']
  for (const run of runs) {
    lines.push(`   ${run.label}: ${passed(run) ? 'passed' : 'FAILED'}, ${files(run.files)}, ${number(run.assertions)} assertions, ${number(run.failed)} failed, ${duration(run.milliseconds)}`)
  }
  for (const label of skippedRuns) lines.push(`   ${label}: SKIPPED`)
  const total = runs.reduce((sum, run) => sum + run.milliseconds, 0)
  const ok = runs.length > 0 && runs.every(passed)
  lines.push(`== ${ok ? 'PASSED' : 'FAILED'}: ${runs.length} run${runs.length === 1 ? '' : 's'}${skippedRuns.length > 0 ? ` (${skippedRuns.length} skipped)` : ''} in ${duration(total)}`)
  return lines.join('\n')
}
