// redactUrl: every form a password takes in a connection URL is masked; the rest of the URL stays readable.
import { test } from 'tap'
import { redactUrl } from '../../lib/url-redaction.js'
import { describeDatabaseUrl } from '../../lib/database.js'

test('every password form is masked', async (t) => {
  const cases: Array<[string, string]> = [
    ['postgres://user:secret@db:5432/app', 'postgres://user:***@db:5432/app'],
    ['postgres://:secret@db/app', 'postgres://:***@db/app'],
    ['postgres://db/app?password=secret', 'postgres://db/app?password=***'],
    ['postgres://db/app?PASSWORD=secret&sslpassword=secret', 'postgres://db/app?PASSWORD=***&sslpassword=***'],
    ['postgres://user:p%40ss@db/app?Password=secret', 'postgres://user:***@db/app?Password=***'],
    ['postgres://user:p@ss@db/app', 'postgres://user:***@db/app'],
    ['redis://:secret@cache:6379/0', 'redis://:***@cache:6379/0']
  ]
  for (const [url, expected] of cases) {
    t.equal(redactUrl(url), expected, url)
    t.notMatch(redactUrl(url), /secret|p%40ss|ss@db/, `${url}: nothing of the password is left`)
  }
})

test('a URL without a password is unchanged; one that cannot be parsed is masked whole', async (t) => {
  t.equal(redactUrl('postgres://user@db:5432/app?sslmode=require'), 'postgres://user@db:5432/app?sslmode=require')
  t.equal(redactUrl('postgres://[secret'), 'postgres:***')
  t.equal(describeDatabaseUrl('sqlite:data/app.db'), 'sqlite:data/app.db')
  t.equal(describeDatabaseUrl('postgres://db/app?password=secret'), 'postgres://db/app?password=***')
})
