/**
 * Configuration read once at boot from the environment, checked, and documented
 * (architecture note 6). Command-line flags override these values.
 *
 * | variable        | meaning                                   | default               |
 * |-----------------|-------------------------------------------|-----------------------|
 * | DATABASE_URL    | SQLite file path (or `sqlite:PATH`), `postgres://...`, or `pglite:[PATH]` | ./data/tasklane.db |
 * | DATABASE_POOL_MAX | most PostgreSQL connections per process  | 10                    |
 * | PORT            | port `serve` listens on                    | 8787                  |
 * | HOST            | address `serve` binds                      | 127.0.0.1             |
 * | LOG_LEVEL       | pino level: fatal..trace, or silent        | info                  |
 * | STRICT_PARAMS   | `1`/`true`: unknown query parameters 400 (D5) | false              |
 */
import { DEFAULT_DB_PATH } from './db/connect.js';

export interface Config {
  databaseUrl: string;
  /** Most connections one process opens to a PostgreSQL server (issue 4). */
  databasePoolMax: number;
  port: number;
  host: string;
  logLevel: string;
  strictParams: boolean;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Reads the configuration from `env`.
 * @throws Error naming the variable when a value is malformed (fail fast at boot).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 8787 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  const poolMax = env.DATABASE_POOL_MAX === undefined || env.DATABASE_POOL_MAX === '' ? 10 : Number(env.DATABASE_POOL_MAX);
  if (!Number.isInteger(poolMax) || poolMax < 1) throw new Error(`DATABASE_POOL_MAX must be a whole number of connections, at least 1 (got "${env.DATABASE_POOL_MAX}")`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LEVELS.has(logLevel)) throw new Error(`LOG_LEVEL must be one of ${[...LEVELS].join(', ')} (got "${logLevel}")`);
  const strict = (env.STRICT_PARAMS ?? '').toLowerCase();
  if (!['', '0', '1', 'true', 'false'].includes(strict)) throw new Error(`STRICT_PARAMS must be true or false (got "${env.STRICT_PARAMS}")`);
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DB_PATH,
    databasePoolMax: poolMax,
    port,
    host: env.HOST || '127.0.0.1',
    logLevel,
    strictParams: strict === '1' || strict === 'true',
  };
}
