// npm run user's exit codes beyond the refusals (test/scripts/user-cli.test.ts has those, 1 and 2): 0 for --help,
// 2 for a bad configuration, 3 when the database cannot be had. A file of its own, for its own time budget.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'

const cli = fileURLToPath(new URL('../../dist/scripts/user.js', import.meta.url))

async function user (databaseUrl: string, args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  child.stdin.end()
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

test('exit codes: 0 done (and --help), 2 usage (a bad configuration too), 3 when the database cannot be had', async (t) => {
  const help = await user('sqlite::memory:', ['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: npm run user[\s\S]*Exit codes: 0 done; 1 refused by a rule/)
  const badUrl = await user('mysql://nowhere/db', ['promote', 'alice'])
  t.equal(badUrl.code, 2)
  t.match(badUrl.stderr, /^npm run user: Invalid configuration: DATABASE_URL/)
  // A database path under a plain file: no folder can be made there.
  const notAFolder = `${t.testdir()}/a-file`
  writeFileSync(notAFolder, '')
  const noDatabase = await user(`sqlite:${notAFolder}/app.db`, ['promote', 'alice'])
  t.equal(noDatabase.code, 3, noDatabase.stderr)
  t.match(noDatabase.stderr, /^npm run user: failed:/)
})
