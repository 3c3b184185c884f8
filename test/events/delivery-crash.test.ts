/**
 * Delivery loses nothing across a crash (issue 5): the real `tasklane serve` process
 * is killed with SIGKILL while events are undelivered, started again, and delivers
 * them all. The outbox rows were committed with the changes, so only the process dies.
 *
 * 1. Receiver down (connection refused): events are recorded, attempts fail, the server
 *    is killed, the receiver comes up, a new server delivers every event.
 * 2. Receiver hanging mid-delivery (a lease is held): the server is killed during the
 *    request; after restart the delivery goes again at once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDb } from '../../src/db/connect.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { basic } from '../support/helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tasklane-crash-'));
const dbFile = join(dir, 'crash.db');
const children = new Set<ChildProcess>();
const receivers: Receiver[] = [];
const servers: Server[] = [];

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const r of receivers) await r.close();
  for (const s of servers) {
    s.closeAllConnections();
    if (s.listening) await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `tasklane serve` on port 0 and resolves with its base URL once it listens (it says so on stderr). */
async function serve(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['bin/tasklane.js', 'serve', '--db', dbFile, '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', WEBHOOK_RETRY_MIN_SECONDS: '0.2', WEBHOOK_TIMEOUT_SECONDS: '30' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const base = await new Promise<string>((resolveBase, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${text}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
  });
  return { child, base: base + '/api/v1' };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A free port: listen on 0, note the port, close. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function setup() {
  const db = await openDb(dbFile);
  const now = Date.now();
  const org = await createOrganization(db.kysely, { name: 'Crash Test' }, now);
  const user = await createUser(db.kysely, org.id, { email: 'ops@crash.test', first_name: 'Op', last_name: 'Erator' }, now);
  const { key } = await createApiKey(db.kysely, org.id, user.id, now);
  await db.close();
  return { key };
}

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: basic(key), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: any = await r.json();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** The outbox rows of a subscription, read by this (test) process from the same file. */
async function deliveries(subscriptionId: string) {
  const db = await openDb(dbFile, { migrate: false });
  try {
    return await db.kysely.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId).execute();
  } finally {
    await db.close();
  }
}

function verify(headers: Record<string, unknown>, raw: Buffer, key: string): boolean {
  const ts = String(headers['close-sig-timestamp']);
  const hash = createHmac('sha256', Buffer.from(key, 'hex')).update(ts).update(raw).digest('hex');
  return hash === headers['close-sig-hash'];
}

const { key } = await setup();

test('events recorded while the receiver is down survive a SIGKILL and are delivered after restart', async () => {
  const port = await freePort(); // nothing listens there: the receiver is down
  let { child, base } = await serve();
  const sub = await call(base, key, 'POST', '/webhook/', {
    url: `http://127.0.0.1:${port}/hook`,
    events: [
      { object_type: 'task.lead', action: 'created' },
      { object_type: 'task.lead', action: 'updated' },
    ],
  });
  const lead = await call(base, key, 'POST', '/lead/', { name: 'Crash Co' });
  const tasks = [];
  for (let i = 0; i < 5; i++) tasks.push(await call(base, key, 'POST', '/task/', { lead_id: lead.id, text: `survive ${i}` }));
  await call(base, key, 'PUT', `/task/${tasks[0].id}/`, { text: 'survive 0, edited' });
  const events = (await call(base, key, 'GET', `/event/?lead_id=${lead.id}`)).data.map((e: any) => e.id).sort();
  assert.equal(events.length, 6);

  // Every delivery has been tried and failed (connection refused); none is delivered.
  const tried = await waitFor('first attempts', async () => {
    const rows = await deliveries(sub.id);
    return rows.length === 6 && rows.every((d) => d.attempts >= 1) && rows;
  });
  assert.ok(tried.every((d) => d.state === 'pending' && /ECONNREFUSED/.test(d.last_error ?? '')), JSON.stringify(tried.map((d) => d.last_error)));

  await kill9(child);
  const rcv = await startReceiver({ port });
  receivers.push(rcv);
  ({ child, base } = await serve());

  await waitFor('every event at the receiver', async () => new Set(rcv.received.filter((r) => r.status === 200).map((r) => r.json.event.id)).size === 6);
  assert.deepEqual([...new Set(rcv.received.map((r) => r.json.event.id))].sort(), events);
  for (const r of rcv.received) {
    assert.ok(verify(r.headers, r.raw, sub.signature_key), 'signature verifies');
    assert.equal(r.json.subscription_id, sub.id);
  }
  const rows = await waitFor('settled rows', async () => {
    const rows = await deliveries(sub.id);
    return rows.every((d) => d.state === 'delivered') && rows;
  });
  assert.equal(rows.length, 6);
  await kill9(child);
});

test('a delivery cut off by SIGKILL mid-request goes again as soon as the server restarts', async () => {
  // A receiver that reads the request and never answers: the delivery stays leased.
  const hanging = createServer(() => {});
  servers.push(hanging);
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
  const port = (hanging.address() as AddressInfo).port;
  let { child, base } = await serve();
  const sub = await call(base, key, 'POST', '/webhook/', { url: `http://127.0.0.1:${port}/hook`, events: [{ object_type: 'task.lead', action: 'created' }] });
  const lead = await call(base, key, 'POST', '/lead/', { name: 'Mid-flight Co' });
  const task = await call(base, key, 'POST', '/task/', { lead_id: lead.id, text: 'in flight' });
  const [leased] = await waitFor('a leased delivery', async () => {
    const rows = await deliveries(sub.id);
    return rows.length === 1 && rows[0].locked_by !== null && rows;
  });
  assert.deepEqual([leased.state, leased.attempts], ['pending', 0]);

  await kill9(child);
  hanging.closeAllConnections();
  await new Promise<void>((r) => hanging.close(() => r()));
  const rcv = await startReceiver({ port });
  receivers.push(rcv);
  ({ child, base } = await serve());
  await waitFor('the delivery', async () => rcv.received.length >= 1, 10_000);
  assert.equal(rcv.received[0].json.event.object_id, task.id);
  assert.ok(verify(rcv.received[0].headers, rcv.received[0].raw, sub.signature_key));
  await waitFor('delivered state', async () => (await deliveries(sub.id))[0].state === 'delivered');
  await kill9(child);
});
