// The WAL checkpoint off the request path. By default SQLite checkpoints inside the commit that grows the WAL past
// 1000 pages: that commit (and every request queued behind it on the one JS thread) waits for pages to be copied
// into the database file and for an fsync. Here the server's connection never checkpoints (wal_autocheckpoint = 0);
// a worker thread with a connection of its own watches the WAL's size and runs PASSIVE checkpoints, which never
// block the server's reads or writes. Commits stay as durable as before: a commit is in the WAL, whoever copies it
// on later.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { DB } from './open.js'

/** The worker's code (CommonJS, evaluated): better-sqlite3 is loaded from the path the server itself resolved. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { statSync } = require('node:fs')
const Database = require(workerData.module)
const db = new Database(workerData.path, { timeout: 5000 })
const walBytes = () => { try { return statSync(workerData.path + '-wal').size } catch { return 0 } }
const timer = setInterval(() => {
  if (walBytes() < workerData.thresholdBytes) return
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage({ error: String(err && err.message) }) }
}, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

export interface CheckpointerOptions {
  /** The WAL size that starts a checkpoint (SQLite's own default: 1000 pages of 4 KiB). */
  thresholdBytes?: number
  /** How often the WAL's size is looked at. */
  intervalMs?: number
  onError?: (message: string) => void
}

export interface Checkpointer {
  stop: () => Promise<void>
}

/**
 * Moves checkpoints of the database file at `path`, open on `db`, to a worker thread. An in-memory database has no
 * WAL: nothing to do. Should the worker not start, SQLite's automatic checkpoint stays on.
 */
export function startCheckpointer (db: DB, path: string, opts: CheckpointerOptions = {}): Checkpointer {
  if (path === ':memory:' || path === '' || db.memory) return { stop: async () => {} }
  let worker: Worker
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        path,
        thresholdBytes: opts.thresholdBytes ?? 4096 * 1000,
        intervalMs: opts.intervalMs ?? 100
      },
      // A small heap: it runs one pragma.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 }
    })
  } catch (err) {
    opts.onError?.(`the checkpoint worker did not start: ${(err as Error).message}`)
    return { stop: async () => {} }
  }
  worker.unref()
  db.pragma('wal_autocheckpoint = 0')
  const exited = new Promise<void>(resolve => worker.once('exit', () => resolve()))
  worker.on('message', (m: { error?: string }) => { if (m.error !== undefined) opts.onError?.(`WAL checkpoint failed: ${m.error}`) })
  worker.on('error', (err) => {
    // Without the worker, SQLite checkpoints in the commit again.
    opts.onError?.(`the checkpoint worker stopped: ${err.message}`)
    if (db.open) db.pragma('wal_autocheckpoint = 1000')
  })
  let stopping: Promise<void> | undefined
  return {
    stop: async () => {
      stopping ??= (async () => {
        // Held until it has closed its connection (a checkpoint in progress finishes first).
        worker.ref()
        worker.postMessage('stop')
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), 2000) })
        if (await Promise.race([exited, timeout]) === 'timeout') await worker.terminate()
        clearTimeout(timer)
        if (db.open) db.pragma('wal_autocheckpoint = 1000')
      })()
      await stopping
    }
  }
}
