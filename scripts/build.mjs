// npm run build: compiles into a fresh .dist-<time> folder, then swaps the `dist` symlink to it with one rename,
// so a service running from dist/ never loads a half-written module. --if-stale: skip when no source is newer.
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
process.chdir(root)
const ifStale = process.argv.includes('--if-stale')
const SOURCE_FOLDERS = ['lib', 'plugins', 'routes', 'schemas', 'migrations', 'scripts']
const STAMP = '.build-started'
// Older builds kept, since a service started from one may still load modules from it lazily.
const KEEP_PREVIOUS = 2

function newestIn (path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  // A folder's own time changes when a file in it is added, renamed or deleted.
  let newest = stat.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestIn(join(path, name)))
  return newest
}

function newestSource () {
  const rootFiles = readdirSync('.').filter((name) => name.endsWith('.ts') || /^tsconfig.*\.json$/.test(name) || name === 'package.json')
  return Math.max(...rootFiles.map(newestIn), ...SOURCE_FOLDERS.filter((folder) => existsSync(folder)).map(newestIn))
}

function isLink (path) {
  try { return lstatSync(path).isSymbolicLink() } catch { return false }
}

function currentBuildStartedAt () {
  if (!isLink('dist')) return undefined
  try { return Number(readFileSync(join(readlinkSync('dist'), STAMP), 'utf8')) } catch { return undefined }
}

const builtAt = currentBuildStartedAt()
if (ifStale && builtAt !== undefined && newestSource() < builtAt) process.exit(0)

const startedAt = Date.now()
const folder = `.dist-${startedAt}-${process.pid}`
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', folder], { stdio: 'inherit' })
if (compiled.status !== 0) {
  rmSync(folder, { recursive: true, force: true })
  process.exit(compiled.status ?? 1)
}
writeFileSync(join(folder, STAMP), String(startedAt))

// A dist/ folder from before builds were swapped: moved aside once (the only non-atomic step, on the first build).
if (existsSync('dist') && !isLink('dist')) {
  renameSync('dist', `.dist-${startedAt - 1}-legacy`)
  writeFileSync(join(`.dist-${startedAt - 1}-legacy`, STAMP), '0')
}
const link = `.dist-link-${process.pid}`
rmSync(link, { force: true })
symlinkSync(folder, link)
renameSync(link, 'dist')

// Completed builds beyond the current one and the previous few are removed; one still being written is left alone.
const completed = readdirSync('.')
  .filter((name) => /^\.dist-\d+-/.test(name) && name !== folder && existsSync(join(name, STAMP)))
  .sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]))
for (const old of completed.slice(0, Math.max(0, completed.length - KEEP_PREVIOUS))) rmSync(old, { recursive: true, force: true })
