// BoundedMap: past its capacity a new key pushes out the oldest; a key already held is updated in place.
import { test } from 'tap'
import { BoundedMap } from '../../lib/bounded-map.js'

test('a new key past the capacity forgets the oldest entry', async (t) => {
  const map = new BoundedMap<string, number>(2)
  map.set('a', 1).set('b', 2).set('c', 3)
  t.same([...map.entries()], [['b', 2], ['c', 3]])
})

test('updating a key it holds forgets nothing', async (t) => {
  const map = new BoundedMap<string, number>(2)
  map.set('a', 1).set('b', 2).set('a', 10)
  t.same([...map.entries()], [['a', 10], ['b', 2]])
})
