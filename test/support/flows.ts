// Flow definitions for tests, in Studio's export format.
import { readFileSync } from 'node:fs'

export const FIXTURES = new URL('../fixtures/flows/', import.meta.url)

export function fixture (name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'))
}

/**
 * A Studio export kept outside test/fixtures/flows/ (whose files the STUDIO_FLOWS_DIR tests seed and count):
 * test/fixtures/<name>.json.
 */
export function exportFixture (name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'))
}

/** The greeting fixture: Trigger → Greet (send-message). */
export function greetingDefinition (): Record<string, any> {
  return fixture('greeting')
}

/**
 * A definition whose Trigger leads to `firstWidget` on a REST request, an inbound message and a parent flow
 * (or nowhere when it is undefined), followed by the given widgets.
 */
export function definitionWith (states: Array<Record<string, unknown>>, firstWidget?: string): Record<string, any> {
  const next = firstWidget === undefined ? {} : { next: firstWidget }
  return {
    description: 'test flow',
    states: [
      {
        name: 'Trigger',
        type: 'trigger',
        properties: { offset: { x: 0, y: 0 } },
        transitions: [
          { event: 'incomingMessage', ...next },
          { event: 'incomingCall' },
          { event: 'incomingConversationMessage' },
          { event: 'incomingRequest', ...next },
          { event: 'incomingParent', ...next }
        ]
      },
      ...states
    ],
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true }
  }
}

/** The ask fixture: Trigger → Ask (send-and-wait-for-reply) → Thanks, or Bye on timeout. */
export function askDefinition (): Record<string, any> {
  return fixture('ask')
}
