import neostandard from 'neostandard'

// The floors of src/ (src/README.md), bottom up. A file may import its own floor and the floors below it, never one
// above: each floor lists the folders (and root files) it must not reach. Type imports count too.
const FLOORS = [
  { files: ['src/twilio/**'], above: ['db', 'resources', 'studio', 'engine', 'control', 'events', 'http', 'ui', 'routes'] },
  { files: ['src/db/**', 'src/resources/**'], above: ['studio', 'engine', 'control', 'events', 'http', 'ui', 'routes'] },
  { files: ['src/studio/**', 'src/engine/**'], above: ['control', 'events', 'http', 'ui', 'routes'] },
  { files: ['src/control/**', 'src/events/**'], above: ['http', 'ui', 'routes'] },
  { files: ['src/http/**'], above: ['routes'] },
  // The inspector's views, flow graph and assets: HTML from records, beside http/ (no Fastify).
  { files: ['src/ui/**'], above: ['routes'] },
  { files: ['src/routes/**'], above: [] }
]
const TOP = ['app', 'server', 'config']
// Fastify lives in http/, routes/ and the top; SQLite only in db/.
const NO_FASTIFY = ['src/twilio/**', 'src/db/**', 'src/resources/**', 'src/studio/**', 'src/engine/**', 'src/control/**', 'src/events/**', 'src/ui/**']

const layering = FLOORS.map(({ files, above }) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      paths: files.some(f => NO_FASTIFY.includes(f)) ? [{ name: 'fastify', message: 'Fastify belongs to http/, routes/ and app.ts (src/README.md).' }] : [],
      patterns: [
        {
          group: [...above.map(d => `../${d}/*`), ...TOP.map(f => `../${f}.js`)],
          message: 'A lower floor never imports a higher one (src/README.md).'
        },
        ...(files[0] === 'src/db/**' ? [] : [{ group: ['better-sqlite3'], message: 'SQL lives in db/ only (src/README.md).' }])
      ]
    }]
  }
}))

// Root leaf files (types.ts, clock.ts) import nothing of ours but other leaves.
const leaves = {
  files: ['src/types.ts', 'src/clock.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ group: ['./*/*', ...TOP.map(f => `./${f}.js`)], message: 'Root leaf files import only other leaf files (src/README.md).' }]
    }]
  }
}

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'data/**'] }),
  ...layering,
  leaves
]
