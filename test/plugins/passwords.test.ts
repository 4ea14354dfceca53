// The passwords plugin alone: argon2id at OWASP's parameters, and a verify that never throws.
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import loadShed from '../../plugins/load-shed.js'
import passwords from '../../plugins/passwords.js'

const PASSWORD = 'correct horse battery staple'
const PHC_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$'

async function buildPasswords (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(loadShed)
  await app.register(passwords)
  await app.ready()
  return app
}

test('hash is argon2id with m=19456, t=2, p=1, salted', async (t) => {
  const app = await buildPasswords(t)
  const first = await app.passwords.hash(PASSWORD)
  const second = await app.passwords.hash(PASSWORD)
  t.ok(first.startsWith(PHC_PREFIX), `PHC string starts ${PHC_PREFIX}, got ${first.slice(0, PHC_PREFIX.length)}`)
  t.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/, '16-byte salt, 32-byte hash')
  t.not(first, second, 'a fresh salt each time')
  t.notMatch(first, PASSWORD, 'the password is not in the hash')
})

test('verify is true for the password and false for anything else', async (t) => {
  const app = await buildPasswords(t)
  const passwordHash = await app.passwords.hash(PASSWORD)
  t.equal(await app.passwords.verify(passwordHash, PASSWORD), true)
  t.equal(await app.passwords.verify(passwordHash, 'correct horse battery stapler'), false)
  t.equal(await app.passwords.verify(passwordHash, 'Correct horse battery staple'), false, 'case matters')
  t.equal(await app.passwords.verify(passwordHash, ''), false)
})

test('long and non-ASCII passwords are not truncated or mangled', async (t) => {
  const app = await buildPasswords(t)
  const long = 'p'.repeat(127) + 'A'
  const longHash = await app.passwords.hash(long)
  t.equal(await app.passwords.verify(longHash, long), true)
  t.equal(await app.passwords.verify(longHash, 'p'.repeat(127) + 'B'), false, 'the 128th character counts')

  const unicode = 'pässwörd 🔑 パスワード'
  const unicodeHash = await app.passwords.hash(unicode)
  t.equal(await app.passwords.verify(unicodeHash, unicode), true)
  t.equal(await app.passwords.verify(unicodeHash, unicode.normalize('NFD')), false, 'compared byte for byte')
})

test('verify(undefined, x) is false, even for the password behind the dummy hash', async (t) => {
  const app = await buildPasswords(t)
  t.equal(await app.passwords.verify(undefined, PASSWORD), false)
  t.equal(await app.passwords.verify(undefined, ''), false)
})

test('a malformed hash is false, not an exception', async (t) => {
  const app = await buildPasswords(t)
  const valid = await app.passwords.hash(PASSWORD)
  for (const malformed of [
    '',
    'not-a-hash',
    '$argon2id$',
    '$argon2id$v=19$m=19456,t=2,p=1$garbage',
    valid.slice(0, -10),
    '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
    'x'.repeat(10_000)
  ]) {
    t.equal(await app.passwords.verify(malformed, PASSWORD), false, JSON.stringify(malformed.slice(0, 40)))
  }
})
