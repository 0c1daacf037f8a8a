// The compose file a user starts from publishes the emulator on this machine only, unless told otherwise.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

test('docker/compose.yaml publishes on 127.0.0.1 by default', () => {
  const compose = readFileSync(new URL('../../docker/compose.yaml', import.meta.url), 'utf8')
  const ports = compose.split('\n').filter(l => /^\s+- "[^"]*:4010"/.test(l))
  // Compose's own variables (STUDIO_BIND, STUDIO_PORT), with 127.0.0.1 as the default host side.
  assert.deepEqual(ports.map(l => l.trim()), ['- "$' + '{STUDIO_BIND:-127.0.0.1}:$' + '{STUDIO_PORT:-4010}:4010"'])
})
