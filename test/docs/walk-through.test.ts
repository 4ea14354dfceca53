// The README's walk-through keeps the shape scripts/smoke.sh runs (CI runs it against a fresh service): a start block
// with npm start, then a tour that sets API and shows, beside each request, the status it answers.
import { readFileSync } from 'node:fs'
import { test } from 'tap'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the walk-through: a start block, then requests each with the status they answer', async (t) => {
  const walk = /<!-- walk-through:start[^>]*-->([\s\S]*?)<!-- walk-through:end -->/.exec(readme)?.[1]
  t.ok(walk, 'README.md has the walk-through markers')
  const blocks = [...(walk ?? '').matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '')
  t.ok(blocks.length >= 2, 'a start block and the tour')
  t.match(blocks[0], /npm start/, 'the first block starts the service')
  const tour = blocks.slice(1).join('\n')
  t.match(tour, /^API=http:\/\/127\.0\.0\.1:3000$/m, 'the tour names the service once, so smoke can point it elsewhere')
  const requests = tour.match(/\bcurl /g) ?? []
  const statuses = tour.match(/# -> \d{3}/g) ?? []
  t.ok(requests.length >= 20, `${requests.length} requests`)
  t.equal(statuses.length, requests.length, 'every request shows the status to expect (# -> STATUS)')
  t.notMatch(tour, /\/todo\/\d+|\/mark\/\d+/, 'tasks are named by the ids the tour got back, never by a guessed number')
  t.notMatch(tour, /-w |--write-out/, 'no request sets its own --write-out, which smoke uses to read statuses')
})
