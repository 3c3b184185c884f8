/**
 * WAL checkpoints of a served SQLite file, off the request path (issue 12).
 *
 * By default SQLite checkpoints in the connection that commits past 1000 WAL pages:
 * the commit then copies the WAL into the database file and syncs both, inside the
 * request that wrote (about half of a 1000-task bulk update's time). `serve` instead
 * runs PASSIVE checkpoints on a second connection in a worker thread every
 * `intervalMs`, beside the server's connection: they take no lock that blocks readers
 * or the writer, and the event loop does not wait for them. The server's connection
 * keeps an automatic checkpoint at a larger bound (`AUTOCHECKPOINT_PAGES`) in case the
 * worker falls behind or stops.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** WAL pages (4 KiB) past which the server's own connection still checkpoints: 64 MiB. */
export const AUTOCHECKPOINT_PAGES = 16_384;

/** How often the worker checkpoints, ms. */
export const CHECKPOINT_INTERVAL_MS = 500;

/** The worker: CommonJS, given the better-sqlite3 entry point, the file and the interval. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ checkpointed: r.checkpointed, log: r.log });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  }
});
`;

/** A running checkpoint worker. */
export interface BackgroundCheckpoints {
  /** WAL frames the worker has copied into the database file so far (for tests and metrics). */
  readonly checkpointedFrames: () => number;
  /** Runs a last checkpoint, closes the worker's connection and ends it. */
  stop(): Promise<void>;
}

/**
 * Starts PASSIVE checkpoints of `file` every `intervalMs` in a worker thread and raises
 * `raw`'s automatic checkpoint to `AUTOCHECKPOINT_PAGES` (see the module comment).
 * @param onError told of a failed checkpoint (the next one is tried all the same)
 */
export function startBackgroundCheckpoints(raw: BetterSqlite3.Database, file: string, intervalMs = CHECKPOINT_INTERVAL_MS, onError?: (message: string) => void): BackgroundCheckpoints {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file, intervalMs } });
  worker.unref();
  let frames = 0;
  worker.on('message', (m: { checkpointed?: number; error?: string }) => {
    if (m.error) onError?.(m.error);
    else frames = Math.max(frames, m.checkpointed ?? 0);
  });
  raw.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    checkpointedFrames: () => frames,
    stop: async () => {
      // Waited for now (unref'd while running, so it never keeps the process alive).
      worker.ref();
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      await worker.terminate();
      raw.pragma('wal_autocheckpoint = 1000');
    },
  };
}
