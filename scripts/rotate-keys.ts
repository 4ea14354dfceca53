// npm run keys:rotate: adds a new Ed25519 signing key and makes it current; older keys verify until their tokens expire.
import { existsSync } from 'node:fs'
import { loadConfig } from '../lib/config.js'
import { openDatabase } from '../lib/database/database.js'
import { generateEd25519KeyPair } from '../lib/auth/key-material.js'
import { migrateToLatest } from '../migrations/index.js'
import { createSigningKeysRepository } from '../plugins/repositories/signing-keys.js'

if (existsSync('.env')) process.loadEnvFile('.env')
const config = loadConfig(process.env)
if (config.jwtSecret !== undefined) {
  console.error('JWT_SECRET is set, so tokens are signed with it: rotate by changing JWT_SECRET instead (every token signed with the old one stops working).')
  process.exit(1)
}
const { db } = openDatabase(config.databaseUrl)
try {
  await migrateToLatest(db)
  const key = generateEd25519KeyPair()
  await createSigningKeysRepository(db).addCurrent(key)
  console.log(`new signing key ${key.kid} is current; previous keys keep verifying for ${config.accessTokenTtl} s`)
} finally {
  await db.destroy()
}
