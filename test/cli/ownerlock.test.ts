/**
 * One process owns a SQLite file (issue 13, defect 4): a second `tasklane serve` on the
 * same file refuses to start and names the first one's PID; so does an import, and the
 * demo will not delete the file under a running server. A lock left by a killed server
 * is taken over. Short account commands still work beside the server. These are SQLite
 * files whatever the test backend (the lock is SQLite's alone).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startNode, type Node } from '../support/processes.js';
import { basic } from '../support/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tasklane-lock-'));
const file = join(dir, 'owned.db');
const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a second serve, an import or a demo rebuild on a served SQLite file is refused with the PID; a dead owner is taken over', async () => {
  const org = await runCli(['org', 'create', '--name', 'Lock Co', '--json', '--db', file]);
  assert.equal(org.code, 0, org.stderr);
  const first = await startNode(file);
  nodes.push(first);
  const pid = first.process.pid!;
  assert.ok(existsSync(file + '.lock'));
  await assert.rejects(startNode(file), (e: Error) => {
    assert.match(e.message, new RegExp(`in use by tasklane serve \\(PID ${pid},`));
    return true;
  });
  const imp = await runCli(['import', 'fixtures/seed-task-list.json', '--org', JSON.parse(org.stdout).id, '--db', file]);
  assert.equal(imp.code, 1);
  assert.match(imp.stderr, new RegExp(`PID ${pid}`));
  const demo = await runCli(['demo', '--db', file]);
  assert.equal(demo.code, 1);
  assert.match(demo.stderr, new RegExp(`in use by tasklane serve \\(PID ${pid},.*rebuilding the demo`));
  // A short account command runs beside the server, and the server sees its key.
  const user = await runCli(['user', 'create', '--org', JSON.parse(org.stdout).id, '--email', 'lock@lock.test', '--first-name', 'Lo', '--last-name', 'Ck', '--json', '--db', file]);
  assert.equal(user.code, 0, user.stderr);
  const key = await runCli(['apikey', 'create', '--user', JSON.parse(user.stdout).id, '--org', JSON.parse(org.stdout).id, '--json', '--db', file]);
  assert.equal(key.code, 0, key.stderr);
  const me = await fetch(first.base + '/api/v1/me/', { headers: { authorization: basic(JSON.parse(key.stdout).key) } });
  assert.equal(me.status, 200);
  // Killed without a chance to clean up: the next server takes the stale lock over.
  const exited = new Promise((r) => first.process.once('exit', r));
  first.process.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(file + '.lock'));
  const second = await startNode(file);
  nodes.push(second);
  await second.stop();
  assert.equal(existsSync(file + '.lock'), false, 'a server that stops gives the file up');
});
