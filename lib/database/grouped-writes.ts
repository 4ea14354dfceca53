// Writes that take turns on the database anyway (each moves one row, an owner's tasks version, whose lock PostgreSQL
// holds until commit) go one group at a time per key: those that arrive while a group is being written go together in
// the next. PostgreSQL would otherwise make them wait for each other's lock, a wake-up and a commit per write.
// A group larger than this goes in parts, one after the other.
const MAX_GROUP = 1000

interface Queued<Item, Result> {
  item: Item
  resolve: (result: Result) => void
  reject: (error: unknown) => void
}

interface Queue<Item, Result> {
  waiting: Array<Queued<Item, Result>>
  writing: boolean
}

// The next group: the first waiting writes, each of a target (a row) no earlier write of the group has; the others
// wait for a later group, so writes of one row still happen one after the other, in the order they arrived.
function nextGroup<Item, Result> (waiting: Array<Queued<Item, Result>>, targetOf: ((item: Item) => unknown) | undefined): Array<Queued<Item, Result>> {
  if (targetOf === undefined) return waiting.splice(0, MAX_GROUP)
  const targets = new Set<unknown>()
  const group: Array<Queued<Item, Result>> = []
  const later: Array<Queued<Item, Result>> = []
  for (const queued of waiting) {
    const target = targetOf(queued.item)
    if (group.length === MAX_GROUP || targets.has(target)) {
      later.push(queued)
    } else {
      targets.add(target)
      group.push(queued)
    }
  }
  waiting.splice(0, waiting.length, ...later)
  return group
}

// `writeMany` answers one result per item, in the items' order, or fails them all. With `targetOf`, a group holds
// one write per target.
export function groupedWrites<Item, Result> (
  writeMany: (key: string, items: Item[]) => Promise<Result[]>,
  targetOf?: (item: Item) => unknown
): (key: string, item: Item) => Promise<Result> {
  const queues = new Map<string, Queue<Item, Result>>()

  function writeNext (key: string, queue: Queue<Item, Result>): void {
    const group = nextGroup(queue.waiting, targetOf)
    if (group.length === 0) {
      queues.delete(key)
      return
    }
    queue.writing = true
    writeMany(key, group.map(({ item }) => item)).then((results) => {
      if (results.length !== group.length) throw new Error(`a group of ${group.length} writes answered ${results.length} results`)
      group.forEach(({ resolve }, index) => { resolve(results[index] as Result) })
    }).catch((error: unknown) => {
      for (const { reject } of group) reject(error)
    }).finally(() => {
      queue.writing = false
      writeNext(key, queue)
    })
  }

  return async function write (key, item) {
    return await new Promise<Result>((resolve, reject) => {
      let queue = queues.get(key)
      if (queue === undefined) {
        queue = { waiting: [], writing: false }
        queues.set(key, queue)
      }
      queue.waiting.push({ item, resolve, reject })
      // The first of a turn, with nothing being written: the rest of the turn's writes join it.
      if (!queue.writing && queue.waiting.length === 1) setImmediate(writeNext, key, queue)
    })
  }
}
