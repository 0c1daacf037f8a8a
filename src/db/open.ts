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
