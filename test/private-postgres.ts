// A PostgreSQL cluster of the test's own, on a free port, that the test may stall (SIGSTOP) and resume (SIGCONT)
// without touching the shared server. Needs root (to run the cluster as the postgres user) and the server binaries.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './child-server.js'

export interface PrivatePostgres {
  url: string
  stall: () => void
  resume: () => void
  stop: () => void
}

function binaries (): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
  return version === undefined ? undefined : join(root, version, 'bin')
}

// Why this machine cannot run a private cluster, or undefined when it can.
export function privatePostgresUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root, to run a private PostgreSQL cluster as the postgres user'
  if (binaries() === undefined) return 'needs the PostgreSQL server binaries under /usr/lib/postgresql/*/bin'
  return undefined
}

function asPostgres (command: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe', timeout: 60_000 })
}

// The postmaster and every backend, checkpointer and other process it forked.
function clusterPids (dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // /proc/PID/stat: pid (comm) state ppid ...; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === postmaster) children.push(Number(entry))
    } catch {
      // The process ended while being read.
    }
  }
  return [postmaster, ...children]
}

export async function startPrivatePostgres (): Promise<PrivatePostgres> {
  const bin = binaries() as string
  const dir = mkdtempSync(join(tmpdir(), 'private-pg-'))
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()))
  const dataDir = join(dir, 'data')
  const port = await freePort()
  asPostgres(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'])
  asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', join(dir, 'log'), '-w', '-t', '60', '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=40`, 'start'])
  let stalled: number[] = []
  function resume (): void {
    for (const pid of [...stalled].reverse()) {
      try { process.kill(pid, 'SIGCONT') } catch { /* ended meanwhile */ }
    }
    stalled = []
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // The postmaster first, so that it forks no new backend while the others are being stopped.
    stall () {
      stalled = clusterPids(dataDir)
      for (const pid of stalled) process.kill(pid, 'SIGSTOP')
    },
    resume,
    stop () {
      resume()
      try { asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']) } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
