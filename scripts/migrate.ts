// npm run migrate: brings the database named by DATABASE_URL up to the latest schema, then exits.
import { existsSync } from 'node:fs'
import { loadConfig } from '../lib/config.js'
import { openDatabase } from '../lib/database/database.js'
import { migrateToLatest } from '../migrations/index.js'

if (existsSync('.env')) process.loadEnvFile('.env')
const { databaseUrl } = loadConfig(process.env)
const { db } = openDatabase(databaseUrl, { poolSize: 1 })
try {
  const applied = await migrateToLatest(db)
  console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`)
} finally {
  await db.destroy()
}
