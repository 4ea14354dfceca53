// Opens the database named by DATABASE_URL, brings its schema up to date, and closes it with the app.
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { describeDatabaseUrl, openDatabase, type DialectName } from '../lib/database/database.js'
import type { Database } from '../lib/database/database-types.js'
import { migrateToLatest } from '../migrations/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    dialect: DialectName
    // Throws unless the database answers and takes writes, within a short bound of its own: /ready's check.
    checkDatabase: () => Promise<void>
  }
}

export default fp(async function db (fastify) {
  const { databaseUrl, databasePoolSize } = fastify.config
  const handle = openDatabase(databaseUrl, { poolSize: databasePoolSize })
  fastify.addHook('onClose', async function closeDatabase () {
    await handle.closeChecks()
    await handle.db.destroy()
  })
  let applied: string[]
  try {
    applied = await migrateToLatest(handle.db)
  } catch (error) {
    await handle.closeChecks()
    await handle.db.destroy()
    throw new Error(`Cannot use the database at ${describeDatabaseUrl(databaseUrl)}: ${(error as Error).message}`, { cause: error })
  }
  if (applied.length > 0) fastify.log.info({ migrations: applied }, 'database migrated')
  fastify.decorate('db', handle.db)
  fastify.decorate('dialect', handle.dialect)
  fastify.decorate('checkDatabase', handle.checkWritable)
}, { name: 'db', dependencies: ['config'] })
