// Every link in README.md and docs/*.md resolves inside the repository: relative paths name files that exist, anchors
// name headings of the file they point to, and nothing points outside the repository but http(s) URLs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'

const root = fileURLToPath(new URL('../..', import.meta.url))
const documents = ['README.md', 'SECURITY.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]

// The text outside fenced code blocks and inline code, where a link is a link.
function prose (markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
}

// Inline links and images [text](target "title"), and reference definitions [label]: target.
function linkTargets (markdown: string): string[] {
  const text = prose(markdown)
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? '')
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((match) => match[1] ?? '')
  return [...inline, ...references]
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered -1, -2, ...
function headingAnchors (markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const match of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (match[1] ?? '').replace(/<[^>]+>/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '')
  return anchors
}

test('the documents exist and link to one another', async (t) => {
  t.ok(documents.includes('docs/api.md') && documents.includes('docs/operations.md') && documents.includes('docs/security.md') && documents.includes('docs/performance.md'))
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  for (const name of ['docs/api.md', 'docs/operations.md', 'docs/security.md', 'docs/performance.md']) t.ok(linkTargets(readme).some((target) => target.startsWith(name)), `README.md links to ${name}`)
  t.ok(readme.split('\n').length <= 260, `README.md stays short (${readme.split('\n').length} lines)`)
})

test('headings become the anchors GitHub makes', async (t) => {
  t.same([...headingAnchors('# Two commands\n## The drain (SIGTERM or SIGINT)\n### `X-Request-Id`\n## Tasks\n## Tasks\n```\n# not a heading\n```\n')],
    ['two-commands', 'the-drain-sigterm-or-sigint', 'x-request-id', 'tasks', 'tasks-1'])
})

for (const document of documents) {
  test(`${document}: every link resolves inside the repository`, async (t) => {
    const markdown = readFileSync(join(root, document), 'utf8')
    const targets = linkTargets(markdown)
    t.ok(targets.length > 0 || document === 'SECURITY.md', 'has links')
    for (const target of targets) {
      if (/^https?:\/\//.test(target)) continue
      t.notOk(/^[a-z][a-z0-9+.-]*:/i.test(target), `${target}: only http(s) URLs may leave the repository`)
      const [path = '', anchor] = target.split('#')
      const file = path === '' ? join(root, document) : resolve(dirname(join(root, document)), decodeURI(path))
      const inside = relative(root, file)
      t.notOk(inside.startsWith('..'), `${target}: stays inside the repository`)
      t.ok(existsSync(file), `${target}: ${inside} exists`)
      if (anchor !== undefined && existsSync(file) && statSync(file).isFile()) {
        t.ok(file.endsWith('.md'), `${target}: anchors only into Markdown`)
        t.ok(headingAnchors(readFileSync(file, 'utf8')).has(anchor), `${target}: #${anchor} is a heading of ${inside}`)
      }
    }
    t.notMatch(markdown, /\.\.\/shared|\/work\//, 'no path outside the repository, even in code')
  })
}
