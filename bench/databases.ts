// Two fresh databases per run, small and large, removed afterwards: SQLite files in a temporary folder, or
// PostgreSQL databases made on the server the options name.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { BenchOptions } from './options.js'

export interface BenchDatabases {
  small: string
  large: string
  // A scratch folder for this run (SQLite files, the control server's body).
  folder: string
  remove: () => Promise<void>
}

async function withClient<T> (url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

export async function createDatabases (options: BenchOptions): Promise<BenchDatabases> {
  const folder = await mkdtemp(join(tmpdir(), 'todo-bench-'))
  if (!options.postgres) {
    return {
      small: `sqlite:${join(folder, 'small.db')}`,
      large: `sqlite:${join(folder, 'large.db')}`,
      folder,
      remove: () => rm(folder, { recursive: true, force: true })
    }
  }
  const stamp = `${Date.now()}_${process.pid}`
  const names = { small: `todo_bench_small_${stamp}`, large: `todo_bench_large_${stamp}` }
  const urlOf = (name: string) => {
    const url = new URL(options.postgresUrl)
    url.pathname = `/${name}`
    return url.toString()
  }
  await withClient(options.postgresUrl, async (client) => {
    for (const name of Object.values(names)) await client.query(`create database ${name}`)
  })
  return {
    small: urlOf(names.small),
    large: urlOf(names.large),
    folder,
    async remove () {
      await withClient(options.postgresUrl, async (client) => {
        for (const name of Object.values(names)) await client.query(`drop database if exists ${name} with (force)`)
      })
      await rm(folder, { recursive: true, force: true })
    }
  }
}
