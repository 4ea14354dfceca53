// Fresh databases per run, small and large, removed afterwards: SQLite files in the run's scratch folder, and
// PostgreSQL databases made on the server the options name.
import { join } from 'node:path'
import pg from 'pg'

export interface DatabasePair {
  small: string
  large: string
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

export function sqliteDatabases (folder: string): DatabasePair {
  return { small: `sqlite:${join(folder, 'small.db')}`, large: `sqlite:${join(folder, 'large.db')}`, remove: async () => {} }
}

export async function postgresDatabases (adminUrl: string): Promise<DatabasePair> {
  const stamp = `${Date.now()}_${process.pid}`
  const names = { small: `todo_bench_small_${stamp}`, large: `todo_bench_large_${stamp}` }
  const urlOf = (name: string) => {
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return url.toString()
  }
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(names)) await client.query(`create database ${name}`)
  })
  return {
    small: urlOf(names.small),
    large: urlOf(names.large),
    async remove () {
      await withClient(adminUrl, async (client) => {
        for (const name of Object.values(names)) await client.query(`drop database if exists ${name} with (force)`)
      })
    }
  }
}
