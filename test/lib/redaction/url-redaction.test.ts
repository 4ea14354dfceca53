// redactUrl: every form a password takes in a connection URL is masked; the rest of the URL stays readable.
import { test } from 'tap'
import { redactSecrets, redactUrl } from '../../../lib/redaction/url-redaction.js'
import { describeDatabaseUrl } from '../../../lib/database/database.js'

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

test('redactSecrets masks what a text may quote: URL passwords, secret-like query parameters, JWTs, Bearer credentials', async (t) => {
  const cases: Array<[string, string]> = [
    ['/todo?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', '/todo?access_token=***'],
    ['/todo?cursor=abc&token=opaque-secret&order=asc', '/todo?cursor=abc&token=***&order=asc'],
    ['/todo?api_key=secret&Password=secret&refresh%5Ftoken=secret', '/todo?api_key=***&Password=***&refresh%5Ftoken=***'],
    ['/todo/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', '/todo/***'],
    ['connect to redis://:secret@cache:6379/0 failed', 'connect to redis://:***@cache:6379/0 failed'],
    ['Cannot use postgres://user:p@ss@db/app?sslpassword=secret: refused', 'Cannot use postgres://user:***@db/app?sslpassword=***: refused'],
    ['header was Bearer secret.secret.secret', 'header was Bearer ***']
  ]
  for (const [text, expected] of cases) {
    t.equal(redactSecrets(text), expected, text)
    t.notMatch(redactSecrets(text), /secret|c2lnbmF0dXJl|ss@db/, `${text}: nothing of the secret is left`)
  }
  for (const plain of ['/todo?cursor=2026-01-01T00%3A00%3A00.000Z&order=desc', 'postgres://user@db/app?sslmode=require', 'GET /todo/12 answered 404']) {
    t.equal(redactSecrets(plain), plain, `${plain}: unchanged`)
  }
})
