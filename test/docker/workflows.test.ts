// The GitHub Actions workflows the project ships: CI tests Node 20, 22 and 24 on every push and pull request; a `v*`
// tag tests the same matrix, then builds the image for linux/amd64 and linux/arm64 and pushes it to ghcr.io. No YAML
// parser is a dependency: these read the files as text, by indentation, which is how these two files are written.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

const workflow = (name: string): string => readFileSync(new URL(`../../.github/workflows/${name}`, import.meta.url), 'utf8')

/** The lines under `key:` (at any depth): those indented deeper than it, up to the next line that is not. */
function block (lines: readonly string[], key: string): string[] {
  const start = lines.findIndex(l => {
    const item = l.trim().replace(/^- /, '')
    return item === key || item === `${key}:` || item.startsWith(`${key}: `)
  })
  assert.notEqual(start, -1, `no "${key}:" in\n${lines.join('\n')}`)
  const indent = (l: string) => l.length - l.trimStart().length
  const own = indent(lines[start] as string)
  const out = [lines[start] as string]
  for (const l of lines.slice(start + 1)) {
    if (l.trim() !== '' && !l.trimStart().startsWith('#') && indent(l) <= own) break
    out.push(l)
  }
  return out
}

/** A `key: value` under a block, its value without quotes. */
function value (lines: readonly string[], key: string): string | undefined {
  const line = lines.find(l => l.trimStart().replace(/^- /, '').startsWith(`${key}:`))
  return line?.slice(line.indexOf(':') + 1).trim().replace(/^(['"])(.*)\1$/, '$2')
}

/** A flow-style list (`['20', '22', '24']`) as strings. */
const list = (text: string | undefined): string[] => (/^\[(.*)\]$/.exec(text ?? '')?.[1] ?? '').split(',').map(s => s.trim().replace(/^(['"])(.*)\1$/, '$2')).filter(s => s !== '')

const lines = (text: string) => text.split('\n').filter(l => !l.trimStart().startsWith('#'))

/** A test job: Node from its matrix (which it returns), set up with that version, running the README's `npm test`. */
function testJob (job: string[]): string[] {
  const versions = list(value(block(job, 'matrix'), 'node'))
  assert.equal(value(job, 'node-version'), '$' + '{{ matrix.node }}')
  assert.ok(job.some(l => l.includes('uses: actions/setup-node@')), 'sets up Node')
  assert.ok(job.some(l => /^\s*- run: npm test\s*$/.test(l)), 'runs npm test')
  return versions
}

test('ci.yml runs npm test on Node 20, 22 and 24 for every push and pull request', () => {
  const ci = lines(workflow('ci.yml'))
  const on = block(ci, 'on')
  assert.ok(on.some(l => l.trim().startsWith('push:')) && on.some(l => l.trim().startsWith('pull_request:')), on.join('\n'))
  assert.deepEqual(testJob(block(block(ci, 'jobs'), 'test')), ['20', '22', '24'])
})

test('release.yml, on a v* tag: the same matrix, then a linux/amd64 + linux/arm64 image pushed to ghcr.io once the tests pass', () => {
  const release = lines(workflow('release.yml'))
  const push = block(block(release, 'on'), 'push')
  assert.deepEqual(list(value(push, 'tags')), ['v*'])
  assert.equal(value(push, 'branches'), undefined, 'tags only')
  assert.equal(value(block(release, 'permissions'), 'packages'), 'write', 'may push to GitHub\'s container registry')
  const jobs = block(release, 'jobs')
  assert.deepEqual(testJob(block(jobs, 'test')), ['20', '22', '24'])
  const image = block(jobs, 'image')
  assert.equal(value(image, 'needs'), 'test')
  assert.equal(value(block(image, 'uses: docker/login-action@v3'), 'registry'), 'ghcr.io')
  assert.match(value(image, 'images') ?? '', /^ghcr\.io\/\$\{\{ github\.repository_owner \}\}\/studio-emulator$/)
  assert.ok(image.some(l => l.includes('uses: docker/setup-qemu-action@')), 'QEMU for the arm64 build')
  const build = block(image, 'uses: docker/build-push-action@v6')
  assert.deepEqual(value(build, 'platforms')?.split(',').map(p => p.trim()).sort(), ['linux/amd64', 'linux/arm64'])
  assert.equal(value(build, 'push'), 'true')
})

test('a release tag must be the package\'s version, which is the CHANGELOG\'s newest section', () => {
  const release = lines(workflow('release.yml'))
  const check = block(block(release, 'test'), 'steps').join('\n')
  assert.match(check, /test "\$GITHUB_REF_NAME" = "v\$\(node -p "require\('\.\/package\.json'\)\.version"\)"/)
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  const newest = /^## (\S+)/m.exec(readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8'))?.[1]
  assert.equal(newest, version)
})
