#!/usr/bin/env node
// `npx studio-emulator` from a checkout runs the TypeScript source through tsx; an install without the
// source or without tsx (the container image) runs the compiled dist/server.js.
import { existsSync } from 'node:fs'

const source = new URL('../src/server.ts', import.meta.url)
const compiled = new URL('../dist/server.js', import.meta.url)

let entry = compiled
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api')
    register()
    entry = source
  } catch {}
}
if (!existsSync(entry)) {
  process.stderr.write('studio-emulator: nothing to run; run `npm ci` (and `npm run build` for dist/) first\n')
  process.exit(1)
}
await import(entry.href)
