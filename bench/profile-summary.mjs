// Self time of a .cpuprofile (node --cpu-prof) by package and by function: what a request's CPU is made of.
// Usage: node bench/profile-summary.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs'

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const selfTime = new Map()
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
const total = [...selfTime.values()].reduce((sum, value) => sum + value, 0)

const byPackage = new Map()
const byFunction = new Map()
for (const [id, microseconds] of selfTime) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  const place = dependency ?? (/\/dist[^/]*\//.test(url) ? `service ${url.replace(/.*\/dist[^/]*\//, '')}` : url.startsWith('node:') ? 'node internals' : url === '' ? '(native)' : url)
  const group = dependency ?? (place.startsWith('service') ? 'service' : place)
  byPackage.set(group === '(native)' ? functionName : group, (byPackage.get(group === '(native)' ? functionName : group) ?? 0) + microseconds)
  const key = `${functionName || '(anonymous)'}  ${place}:${lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + microseconds)
}

const share = (microseconds) => `${(microseconds / total * 100).toFixed(1).padStart(5)}%`
console.log(`${(total / 1e6).toFixed(1)} s sampled\n\nby package:`)
for (const [name, microseconds] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(share(microseconds), name)
console.log('\nby function (self time):')
for (const [name, microseconds] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(share(microseconds), name)
