// npm test's summary (scripts/test-summary.ts, fed by scripts/run-tests.mjs), and tap's test set: test files only.
import { spawnSync } from 'node:child_process'
import { test } from 'tap'
import { formatRun, formatTotal, TapTally } from '../../scripts/test-summary.js'

const TAP_OUTPUT = `TAP version 14
1..4
# Subtest: test/a.test.ts
    ok 1 - nested assertions are tap's own business
ok 1 - test/a.test.ts # time=12.5ms

# Subtest: test/b.test.ts
    not ok 1 - should be equal
not ok 2 - test/b.test.ts # time=20ms

ok 3 - test/helper.ts # SKIP no tests found
ok 4 - test/c.test.ts # time=3ms
# { total: 1234, pass: 1230, fail: 2, skip: 2 }
# time=91234.5ms`

function tally (output: string): TapTally {
  const counted = new TapTally()
  for (const line of output.split('\n')) counted.line(line)
  return counted
}

test('one run: files, assertions, failures (by file), empty files and time, on one screen', async (t) => {
  const run = tally(TAP_OUTPUT).summary('SQLite (in memory)', 1, 512_000)
  t.match(run, { files: 4, failedFiles: ['test/b.test.ts'], emptyFiles: ['test/helper.ts'], assertions: 1234, passed: 1230, failed: 2, skipped: 2, complete: true })
  const text = formatRun(run)
  t.equal(text, [
    '== SQLite (in memory): FAILED in 8 min 32 s',
    '   4 files, 1,234 assertions: 1,230 passed, 2 failed, 2 skipped',
    '   failed: test/b.test.ts',
    '   no tests found (a helper in the test set?): test/helper.ts'
  ].join('\n'))
})

test('both runs: one line each and the verdict; a run without a final count is a failure', async (t) => {
  const clean = tally('ok 1 - test/a.test.ts # time=1ms\n# { total: 10, pass: 10 }').summary('SQLite (in memory)', 0, 500_000)
  const cut = tally('ok 1 - test/a.test.ts # time=1ms').summary('PostgreSQL', 0, 30_000)
  t.equal(formatTotal([clean, { ...clean, label: 'PostgreSQL' }]), [
    '',
    '== npm test',
    '   SQLite (in memory): passed, 1 file, 10 assertions, 0 failed, 8 min 20 s',
    '   PostgreSQL: passed, 1 file, 10 assertions, 0 failed, 8 min 20 s',
    '== PASSED: 2 runs in 16 min 40 s'
  ].join('\n'))
  t.match(formatTotal([clean, cut]), /PostgreSQL: FAILED[\s\S]*== FAILED: 2 runs/)
  t.match(formatRun(cut), /tap gave no final count/)
  t.match(formatTotal([clean], ['PostgreSQL']), /PostgreSQL: SKIPPED\n== PASSED: 1 run \(1 skipped\) in 8 min 20 s$/)
})

test('tap runs test files only: no helper is in its test set', async (t) => {
  const listed = spawnSync('npx', ['tap', 'list'], { encoding: 'utf8' })
  t.equal(listed.status, 0, listed.stderr)
  const files = listed.stdout.split('\n').filter((line) => line !== '')
  t.ok(files.length > 50, `${files.length} test files`)
  t.same(files.filter((file) => !file.endsWith('.test.ts')), [], 'every listed file is a *.test.ts')
  for (const helper of ['test/helper.ts', 'test/contract.ts', 'test/cannot-run.ts', 'test/property/fixtures/junk.ts']) t.notOk(files.includes(helper), `${helper} is not run as a test`)
})
