// ADMIN_USERNAME / ADMIN_PASSWORD: at start that user exists and is an admin. An existing account is promoted only
// when its stored hash verifies ADMIN_PASSWORD (usernames are unique in any letter case, so "Admin" holds "admin"):
// anyone else's account is never taken over; the start is refused and the operator decides. An admin's decisions
// (a demotion, a disabled account) are never undone here: they are logged and left as they are.
import fp from 'fastify-plugin'
import { ApiError } from '../lib/api-error.js'
import type { UserRow } from '../lib/database/database-types.js'

export class AdminBootstrapError extends Error {
  constructor (reason: string) {
    super(`ADMIN_USERNAME: ${reason}`)
    this.name = 'AdminBootstrapError'
  }
}

export default fp(async function adminBootstrap (fastify) {
  const { adminUsername, adminPassword } = fastify.config
  if (adminUsername === undefined || adminPassword === undefined) return

  async function createAdmin (username: string, password: string): Promise<UserRow | undefined> {
    try {
      await fastify.users.create({ username, name: username, passwordHash: await fastify.passwords.hash(password), role: 'admin' })
      fastify.log.info({ event: 'admin_created', username }, 'bootstrap admin created')
      return undefined
    } catch (error) {
      // Someone (another instance, or a registration) took the name at the same moment: judged like any existing account.
      if (!(error instanceof ApiError && error.code === 'username_taken')) throw error
      return await fastify.users.findByUsername(username)
    }
  }

  const existing = await fastify.users.findByUsername(adminUsername) ?? await createAdmin(adminUsername, adminPassword)
  // An admin already: nothing is given, and the admin may have changed the password since the first start.
  if (existing === undefined || existing.role === 'admin') return

  if (!await fastify.passwords.verify(existing.password_hash, adminPassword)) {
    throw new AdminBootstrapError(`the account "${existing.username}" holds the name "${adminUsername}" and its password is not ADMIN_PASSWORD, ` +
      'so it is not made an admin and the service does not start: delete or rename that account, or choose another ADMIN_USERNAME')
  }
  if (existing.demoted_at !== null || existing.disabled !== 0) {
    const decision = existing.disabled !== 0 ? 'disabled' : `demoted on ${existing.demoted_at ?? ''}`
    fastify.log.warn({ event: 'admin_not_promoted', username: existing.username },
      `ADMIN_USERNAME names "${existing.username}", which an admin ${decision}: left as it is (npm run user -- promote/enable to undo)`)
    return
  }
  if (!await fastify.users.promoteVerified(existing.id, existing.credential_version)) {
    throw new AdminBootstrapError(`the account "${existing.username}" changed while it was being checked; start again`)
  }
  fastify.log.info({ event: 'admin_promoted', username: existing.username }, 'bootstrap admin promoted: its password is ADMIN_PASSWORD')
}, { name: 'admin-bootstrap', dependencies: ['config', 'users-repository', 'passwords'] })
