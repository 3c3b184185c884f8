/**
 * Every command works on every backend through the same code (issue 4): `demo`,
 * `import`, `org create` and `migrate` run as real processes against the test
 * backend's database (`TEST_DB`: a SQLite file, a PGlite data folder, or a fresh
 * PostgreSQL database).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, testBackend } from './helpers.js';
import { runCli } from './processes.js';
import { openDb } from '../src/db/connect.js';
import { DEMO_ORG_ID } from '../src/cli/demo.js';

test(`demo, import, org create and migrate on ${testBackend()}`, async () => {
  const fresh = await freshDatabase();
  // PGlite in memory lives in one process; the commands share a data folder instead.
  const dir = fresh.backend === 'pglite' ? mkdtempSync(join(tmpdir(), 'tasklane-pglite-')) : null;
  const url = dir ? `pglite:${dir}` : fresh.url;
  try {
    const demo = await runCli(['demo', '--json', '--db', url]);
    assert.equal(demo.code, 0, demo.stderr);
    const made = JSON.parse(demo.stdout);
    assert.equal(made.organization_id, DEMO_ORG_ID);
    assert.equal(made.tasks, 3 * 6 + 8, 'six tasks on each of three leads, and the eight seed tasks');
    assert.equal(made.users.length, 2);

    const again = await runCli(['import', 'fixtures/seed-task-list.json', '--org', DEMO_ORG_ID, '--json', '--db', url]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { records: 8, inserted: 0, skipped: 8, users: 0, leads: 0, contacts: 0 });

    const org = await runCli(['org', 'create', '--name', 'Other', '--json', '--db', url]);
    assert.equal(org.code, 0, org.stderr);
    assert.match(JSON.parse(org.stdout).id, /^orga_/);

    const refused = await runCli(['demo', '--db', url]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /holds data that is not the demo's; choose another database with --db/);

    // DATABASE_URL in the environment selects the database as --db does.
    const migrate = await runCli(['migrate', '--json'], { DATABASE_URL: url });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.deepEqual(JSON.parse(migrate.stdout), { applied: [] });

    const db = await openDb(url);
    try {
      const tasks = await db.kysely.selectFrom('tasks').select('id').where('organization_id', '=', DEMO_ORG_ID).execute();
      assert.equal(tasks.length, 26, 'the refused demo left the data alone');
    } finally {
      await db.close();
    }
  } finally {
    await fresh.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});
