/**
 * What every command of the `tasklane` command line shares: the configuration read at
 * boot, opening the command's database (`--db`, env `DATABASE_URL`), printing a
 * result as text or JSON (`--json`). Modules are loaded by the command that needs
 * them (`await import(...)`), so `tasklane --help` loads none of them.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import type { Db } from '../db/connect.js';

/** What a command module needs from the program. */
export interface CliContext {
  config: Config;
}

/** The database URL of a command: `--db`, else the configuration's. */
export function dbUrl(cli: CliContext, opts: { db?: string }): string {
  return opts.db ?? cli.config.databaseUrl;
}

/**
 * Opens the command's database with the configured pool size, migrating it unless
 * `migrateOnOpen` is false; with `owner`, owns a SQLite file for that role
 * (`db/ownerlock.ts`: refused, naming the PID, while a server or an import holds it).
 */
export async function open(cli: CliContext, opts: { db?: string }, migrateOnOpen = true, owner?: string): Promise<Db> {
  const { openDb } = await import('../db/connect.js');
  return openDb(dbUrl(cli, opts), { poolMax: cli.config.databasePoolMax, migrate: migrateOnOpen, owner });
}

/** Runs `fn` on the command's database (owned for `owner`, see `open`) and closes it, whatever happens. */
export async function withDb<T>(cli: CliContext, opts: { db?: string }, fn: (db: Db) => Promise<T>, owner?: string): Promise<T> {
  const db = await open(cli, opts, true, owner);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Prints `value` as one line of JSON with `json`, else `text`. */
export function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text + '\n');
}

/** Prints `rows` as `{"data": rows}` with `json`, else one `line(row)` per row (nothing for none). */
export function printList<T extends Record<string, unknown>>(json: boolean, rows: T[], line: (row: T) => string): void {
  process.stdout.write(json ? JSON.stringify({ data: rows }) + '\n' : rows.map((r) => line(r) + '\n').join(''));
}

/** The `--db` option every command takes. */
export const dbOption = () => new Option('--db <url>', 'database: a SQLite file, postgres://... or pglite:[PATH] (env DATABASE_URL)');

/**
 * Parses a `--port` value: a whole number 0-65535 (0: any free port).
 * @throws InvalidArgumentError (commander prints it with the option's name) for anything else.
 */
export function parsePort(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port is a whole number from 0 to 65535 (got "${value}").`);
  return n;
}
