/**
 * Background WAL checkpoints (`db/checkpoint.ts`, issue 12): a served SQLite file's
 * committed pages reach the database file from the worker thread, not from the
 * connection that commits, and stopping leaves the file whole and readable.
 */
// test-backends: sqlite
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/db/connect.js';
import { sql } from 'kysely';

test('commits past the default checkpoint size reach the database file from the worker, not from the writer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-ckpt-'));
  const file = join(dir, 't.db');
  const db = await openDb(file);
  try {
    const stop = db.startBackgroundCheckpoints!();
    await sql`create table blobs (id integer primary key, body text)`.execute(db.kysely);
    await new Promise((r) => setTimeout(r, 700)); // the table reaches the file
    const before = statSync(file).size;
    // About 8 MB in one commit: past the default of 1000 WAL pages, so a commit would
    // checkpoint by itself under the default setting.
    const body = 'x'.repeat(4000);
    await db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < 2000; i++) await sql`insert into blobs (body) values (${body})`.execute(trx);
    });
    assert.ok(statSync(file).size - before < 1_000_000, 'the writer did not copy its pages into the file');
    const deadline = Date.now() + 5000;
    while (statSync(file).size - before < 7_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(file).size - before >= 7_000_000, `the worker copied the pages into the file (grew ${statSync(file).size - before} bytes)`);
    await stop();
    const n = await sql<{ n: number }>`select count(*) as n from blobs`.execute(db.kysely);
    assert.equal(Number(n.rows[0].n), 2000);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // Reopened, everything is there.
});
