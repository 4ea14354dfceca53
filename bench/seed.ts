// Fills a fresh database through the service's own repositories: one admin, `users` normal users with
// `tasksPerUser` tasks each. Tasks are inserted round-robin over the users, so that one user's tasks lie
// scattered through the table as they would after months of use, not in one tidy run of rows.
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { openDatabase } from '../lib/database/database.js'
import { migrateToLatest } from '../migrations/index.js'
import { createTasksRepository, type NewTask } from '../plugins/repositories/tasks.js'
import { createUsersRepository } from '../plugins/repositories/users.js'

export const BENCH_PASSWORD = 'bench password, not a secret'
export const ADMIN_USERNAME = 'bench-admin'
// The user whose tasks the bench lists; every user owns the same number of tasks.
export const NORMAL_USERNAME = 'user0'

const TASKS_PER_CALL = 10_000
const DAY_MS = 86_400_000
const FIRST_DUE = Date.UTC(2026, 0, 1)
const DESCRIPTION = 'Seeded by npm run bench: a description about as long as a real one, give or take.'

export interface SeedPlan {
  users: number
  tasksPerUser: number
  // One argon2id hash shared by every user: hashing ten thousand passwords would take minutes.
  passwordHash: string
}

// Due dates spread over two years, hour by hour, in an order unrelated to insertion.
function dueOf (index: number): string {
  return new Date(FIRST_DUE + ((index * 7919) % 730) * DAY_MS + ((index * 31) % 24) * 3_600_000).toISOString()
}

export async function seedDatabase (url: string, plan: SeedPlan, progress: (line: string) => void): Promise<void> {
  const started = performance.now()
  const { db, dialect } = openDatabase(url)
  try {
    await migrateToLatest(db)
    const userIds: string[] = []
    await db.transaction().execute(async (trx) => {
      const users = createUsersRepository(trx)
      await users.create({ username: ADMIN_USERNAME, name: 'Bench admin', passwordHash: plan.passwordHash, role: 'admin' })
      for (let index = 0; index < plan.users; index++) {
        const user = await users.create({ username: `user${index}`, name: `User ${index}`, passwordHash: plan.passwordHash, role: 'normal' })
        userIds.push(user.id)
      }
    })
    const tasks = createTasksRepository(db)
    const total = plan.users * plan.tasksPerUser
    let reported = 0
    for (let start = 0; start < total; start += TASKS_PER_CALL) {
      const batch: NewTask[] = []
      for (let index = start; index < Math.min(total, start + TASKS_PER_CALL); index++) {
        batch.push({ userId: userIds[index % plan.users], title: `Task ${index}`, description: DESCRIPTION, due: dueOf(index) })
      }
      await tasks.createMany(batch)
      if (start + batch.length - reported >= total / 10 && start + batch.length < total) {
        reported = start + batch.length
        progress(`  ${reported.toLocaleString('en')} of ${total.toLocaleString('en')} tasks`)
      }
    }
    // PostgreSQL's autovacuum would gather planner statistics within a minute of such a load; the bench does not wait.
    if (dialect === 'postgres') await sql`analyze`.execute(db)
  } finally {
    await db.destroy()
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  progress(`  seeded ${plan.users.toLocaleString('en')} users and ${(plan.users * plan.tasksPerUser).toLocaleString('en')} tasks in ${seconds} s`)
}
