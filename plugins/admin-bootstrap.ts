// ADMIN_USERNAME / ADMIN_PASSWORD: at start that user exists and is an admin; an existing password is kept.
import fp from 'fastify-plugin'
import { ApiError } from '../lib/api-error.js'

export default fp(async function adminBootstrap (fastify) {
  const { adminUsername, adminPassword } = fastify.config
  if (adminUsername === undefined || adminPassword === undefined) return

  const existing = await fastify.users.findByUsername(adminUsername)
  if (existing !== undefined) {
    if (existing.role !== 'admin') {
      await fastify.users.setRole(existing.id, 'admin')
      fastify.log.info({ event: 'admin_promoted', username: existing.username }, 'bootstrap admin promoted')
    }
    return
  }
  try {
    await fastify.users.create({ username: adminUsername, name: adminUsername, passwordHash: await fastify.passwords.hash(adminPassword), role: 'admin' })
    fastify.log.info({ event: 'admin_created', username: adminUsername }, 'bootstrap admin created')
  } catch (error) {
    // Another instance created it at the same moment; promote it on the next start if needed.
    if (!(error instanceof ApiError && error.code === 'username_taken')) throw error
  }
}, { name: 'admin-bootstrap', dependencies: ['config', 'users-repository', 'passwords'] })
