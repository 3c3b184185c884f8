/**
 * The `tasklane` command line as a user runs it: org, user and API key creation with
 * `--json`, `serve` on a real port answering with that key, and `demo`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'tasklane.js');
const dir = mkdtempSync(join(tmpdir(), 'tasklane-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `tasklane serve` and resolves with its URL, read from its "listening on" line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

test('org, user and apikey create print JSON ids, and the key works against serve', async () => {
  const db = join(dir, 'admin.db');
  const org = run(['org', 'create', '--name', 'Acme', '--db', db, '--json']);
  assert.equal(org.status, 0, org.stderr);
  const orgId = JSON.parse(org.stdout).id;
  assert.match(orgId, /^orga_[0-9A-Za-z]{43}$/);
  const user = run(['user', 'create', '--org', orgId, '--email', 'ann@acme.test', '--first-name', 'Ann', '--last-name', 'Lee', '--timezone', 'America/Los_Angeles', '--json'], { DATABASE_URL: db });
  assert.equal(user.status, 0, user.stderr);
  const userId = JSON.parse(user.stdout).id;
  assert.match(userId, /^user_/);
  const key = run(['apikey', 'create', '--user', userId, '--org', orgId, '--db', db, '--json']);
  assert.equal(key.status, 0, key.stderr);
  const k = JSON.parse(key.stdout);
  assert.match(k.key, /^api_[0-9A-Za-z]{43}$/);
  assert.ok(k.id);

  const bad = run(['user', 'create', '--org', orgId, '--email', 'x@y.z', '--first-name', 'X', '--last-name', 'Y', '--timezone', 'Mars/Olympus', '--db', db]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown time zone/);
  assert.equal(run(['apikey', 'create', '--user', 'user_nope', '--org', orgId, '--db', db]).status, 1);

  const server = await serve(['--db', db]);
  try {
    const auth = { authorization: 'Basic ' + Buffer.from(k.key + ':').toString('base64') };
    const me = await (await fetch(`${server.url}/api/v1/me/`, { headers: auth })).json();
    assert.equal(me.id, userId);
    assert.equal(me.last_used_timezone, 'America/Los_Angeles');
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${server.url}/api/v1/task/`)).status, 401);
  } finally {
    server.stop();
  }
});

test('demo builds a fresh database with two users in two zones, prints keys, and refuses foreign data', async () => {
  const db = join(dir, 'demo.db');
  const first = run(['demo', '--db', db, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const demo = JSON.parse(first.stdout);
  assert.equal(demo.users.length, 2);
  assert.notEqual(demo.users[0].timezone, demo.users[1].timezone);
  // Running it again rebuilds it: new keys.
  const second = JSON.parse(run(['demo', '--db', db, '--json']).stdout);
  assert.notEqual(second.users[0].api_key, demo.users[0].api_key);
  const server = await serve(['--db', db]);
  try {
    const auth = { authorization: 'Basic ' + Buffer.from(second.users[0].api_key + ':').toString('base64') };
    const all = await (await fetch(`${server.url}/api/v1/task/?_type=all&_limit=1000`, { headers: auth })).json();
    const types = new Set(all.data.map((t: { _type: string }) => t._type));
    for (const t of ['lead', 'missed_call', 'voicemail', 'incoming_email', 'email_followup', 'answered_detached_call', 'opportunity_due', 'incoming_sms']) {
      assert.ok(types.has(t), `demo has a ${t} task`);
    }
    const dates = all.data.filter((t: { _type: string; date: string }) => t._type === 'lead' && t.date >= '2026').map((t: { view: string }) => t.view);
    assert.ok(dates.includes('inbox') && dates.includes('future') && dates.includes('archive'), 'lead tasks over yesterday, today and next week');
  } finally {
    server.stop();
  }
  const foreign = join(dir, 'foreign.db');
  run(['org', 'create', '--name', 'Real data', '--db', foreign]);
  const refused = run(['demo', '--db', foreign]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not the demo's/);
});

test('bad configuration fails fast with the variable named', () => {
  const r = run(['org', 'create', '--name', 'X', '--db', join(dir, 'cfg.db')], { PORT: 'eighty' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PORT must be a port number/);
});
