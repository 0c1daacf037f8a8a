// Opens the SQLite database with the emulator's pragmas, creating the file's folder when needed.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

export type DB = Database.Database

export function openDatabase (path: string): DB {
  const inMemory = path === ':memory:' || path === ''
  if (!inMemory) mkdirSync(dirname(path), { recursive: true })
  // An explicit busy timeout: a second process waits for the lock instead of failing with SQLITE_BUSY.
  const db = new Database(path, { timeout: 5000 })
  if (!inMemory) db.pragma('journal_mode = WAL')
  // In WAL mode NORMAL survives a killed process (only an OS crash can lose the last commits).
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('temp_store = MEMORY')
  return db
}

/**
 * A write transaction that takes the write lock when it begins (BEGIN IMMEDIATE): with a second process on the
 * same file, it waits for the lock (up to the busy timeout) instead of failing with "database is locked" when it
 * later tries to write after reading. Nested inside another transaction it is a savepoint.
 */
export function writeTransaction<A extends unknown[], R> (db: DB, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn)
  return (...args: A) => tx.immediate(...args)
}
