/**
 * Two nodes hammer the same call, email thread and opportunity at once (issue 8, rule 3):
 * updates, completions and deletes arrive together on both. Every write transaction
 * goes through `writeTransaction` and locks the object it changes before reading it
 * (`db/executor.ts` `lockRows`), so afterwards:
 * - no request failed with a 5xx;
 * - no update was lost (each request sets a field nobody else sets, and every one of
 *   them is there at the end; an email thread's task lists every email);
 * - one activity never made two generated tasks, and a task completed by racing
 *   requests records one `completed` event;
 * - a racing delete succeeds once.
 * On PostgreSQL the nodes are two `tasklane serve` processes on one database; on SQLite
 * and PGlite (one process per database) two apps built on one database handle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { basic, freshDatabase, openFresh, testBackend } from '../support/helpers.js';
import { startNode } from '../support/processes.js';
import type { Db } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';

interface Reply {
  status: number;
  body: any;
  raw: string;
}

/** A node: where it listens. */
type NodeBase = string;

async function call(base: NodeBase, key: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const r = await fetch(base + '/api/v1' + path, {
    method,
    headers: { authorization: basic(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await r.text();
  return { status: r.status, body: raw ? JSON.parse(raw) : undefined, raw };
}

/** Starts two nodes on `url` and returns their base URLs and how to stop them. */
async function twoNodes(url: string, db: Db): Promise<{ bases: [NodeBase, NodeBase]; stop(): Promise<void> }> {
  if (testBackend() === 'postgres') {
    const nodes = await Promise.all([startNode(url), startNode(url)]);
    return { bases: [nodes[0].base, nodes[1].base], stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) };
  }
  const apps = await Promise.all([buildApp({ db, rateLimit: false }), buildApp({ db, rateLimit: false })]);
  const bases = (await Promise.all(
    apps.map(async (a) => {
      await a.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
    }),
  )) as [NodeBase, NodeBase];
  return { bases, stop: async () => void (await Promise.all(apps.map((a) => a.close()))) };
}

/** Every event of an object with an action, through the API. */
async function events(base: NodeBase, key: string, objectId: string, action: string): Promise<any[]> {
  const r = await call(base, key, 'GET', `/event/?object_id=${objectId}&action=${action}`);
  assert.equal(r.status, 200, r.raw);
  return r.body.data;
}

const no5xx = (replies: Reply[], what: string) => {
  for (const r of replies) assert.ok(r.status < 500, `${what}: ${r.status} ${r.raw}`);
};

test('two nodes racing on one call, one email thread and one opportunity lose no update and never make a task twice', async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const t0 = Date.now();
  const org = await createOrganization(db.kysely, { name: 'Race Co' }, t0);
  const ann = await createUser(db.kysely, org.id, { email: 'ann@race.test', first_name: 'Ann', last_name: 'Lee', timezone: 'America/Los_Angeles' }, t0);
  const ken = await createUser(db.kysely, org.id, { email: 'ken@race.test', first_name: 'Ken', last_name: 'Sato', timezone: 'Asia/Tokyo' }, t0);
  const keys = [(await createApiKey(db.kysely, org.id, ann.id, t0)).key, (await createApiKey(db.kysely, org.id, ken.id, t0)).key];
  const nodes = await twoNodes(fresh.url, db);
  const [A, B] = nodes.bases;
  /** The k-th request goes to node k % 2, as user k % 2. */
  const at = (k: number) => ({ base: nodes.bases[k % 2], key: keys[Math.floor(k / 2) % 2] });
  try {
    const lead = await call(A, keys[0], 'POST', '/lead/', {
      name: 'Racing Inc',
      contacts: [{ name: 'Rita Race', phones: [{ phone: '+1 650 555 0142' }], emails: [{ email: 'rita@racing.test' }] }],
    });
    assert.equal(lead.status, 200, lead.raw);
    const leadId: string = lead.body.id;

    // ---- The call: it ends while many requests edit it at once.
    const created = await call(A, keys[0], 'POST', '/activity/call/', { direction: 'inbound', status: 'in-progress', phone: '+16505550142' });
    assert.equal(created.status, 200, created.raw);
    const callId: string = created.body.id;
    const fields = [
      { note: 'note-set-once' },
      { outcome_id: 'outcome_set_once' },
      { recording_url: 'https://rec.example/set-once.mp3' },
      { local_phone: '+1 415 555 0100' },
      { duration: 0 },
    ];
    for (let round = 0; round < 4; round++) {
      const replies = await Promise.all([
        // Each of these ends the call: whichever runs first makes its missed_call task.
        ...Array.from({ length: 6 }, (_, k) => call(at(k).base, at(k).key, 'PUT', `/activity/call/${callId}/`, { status: 'no-answer' })),
        // Each sets a field nobody else sets in this round: a lost update would drop one.
        ...fields.map((f, k) => call(at(k + 1).base, at(k + 1).key, 'PUT', `/activity/call/${callId}/`, f)),
      ]);
      no5xx(replies, 'call updates');
      for (const r of replies) assert.equal(r.status, 200, r.raw);
    }
    const finalCall = await call(B, keys[1], 'GET', `/activity/call/${callId}/`);
    assert.equal(finalCall.body.status, 'no-answer');
    assert.equal(finalCall.body.note, 'note-set-once');
    assert.equal(finalCall.body.outcome_id, 'outcome_set_once');
    assert.equal(finalCall.body.recording_url, 'https://rec.example/set-once.mp3');
    assert.equal(finalCall.body.local_phone, '+14155550100');
    assert.equal(finalCall.body.duration, 0);
    const missed = await call(A, keys[0], 'GET', `/task/?_type=missed_call&lead_id=${leadId}`);
    assert.equal(missed.body.data.length, 1, `one missed_call for one call: ${missed.raw}`);
    const missedId: string = missed.body.data[0].id;

    // Call backs from both nodes at once: the missed call completes once.
    const backs = await Promise.all(Array.from({ length: 6 }, (_, k) => call(at(k).base, at(k).key, 'POST', '/activity/call/', { direction: 'outbound', status: 'completed', duration: 30, phone: '650-555-0142' })));
    no5xx(backs, 'call backs');
    assert.equal((await call(A, keys[0], 'GET', `/task/${missedId}/`)).body.is_complete, true);
    assert.equal((await events(A, keys[0], missedId, 'completed')).length, 1, 'one completed event for one completion');

    // Deleting the call from both nodes at once: one delete succeeds, its task goes once.
    const deletes = await Promise.all(Array.from({ length: 6 }, (_, k) => call(at(k).base, at(k).key, 'DELETE', `/activity/call/${callId}/`)));
    no5xx(deletes, 'call deletes');
    assert.deepEqual(deletes.map((r) => r.status).sort(), [200, 404, 404, 404, 404, 404]);
    assert.equal((await events(B, keys[1], missedId, 'deleted')).length, 1);

    // ---- The email thread: many emails arrive on it at once, then several replies.
    const first = await call(A, keys[0], 'POST', '/activity/email/', { status: 'inbox', sender: 'Rita <rita@racing.test>', subject: 'Pricing', body_text: 'first' });
    assert.equal(first.status, 200, first.raw);
    const threadId: string = first.body.thread_id;
    const inbound = await Promise.all(
      Array.from({ length: 10 }, (_, k) => call(at(k).base, at(k).key, 'POST', '/activity/email/', { status: 'inbox', sender: 'rita@racing.test', subject: 'Re: Pricing', body_text: `more ${k}`, thread_id: threadId })),
    );
    no5xx(inbound, 'inbound emails');
    for (const r of inbound) assert.equal(r.status, 200, r.raw);
    const incoming = await call(B, keys[1], 'GET', `/task/?_type=incoming_email&lead_id=${leadId}`);
    assert.equal(incoming.body.data.length, 1, `one incoming_email per thread: ${incoming.raw}`);
    const emailTask = incoming.body.data[0];
    assert.deepEqual([...emailTask.emails].sort(), [first.body.id, ...inbound.map((r) => r.body.id)].sort(), 'the task lists every email: none lost');
    const replies = await Promise.all(
      Array.from({ length: 4 }, (_, k) => call(at(k).base, at(k).key, 'POST', '/activity/email/', { status: 'sent', to: ['rita@racing.test'], subject: 'Re: Pricing', body_text: `answer ${k}`, thread_id: threadId })),
    );
    no5xx(replies, 'replies');
    assert.equal((await call(A, keys[0], 'GET', `/task/${emailTask.id}/`)).body.is_complete, true);
    assert.equal((await events(A, keys[0], emailTask.id, 'completed')).length, 1, 'one completed event for the thread task');

    // ---- The opportunity: concurrent edits of different fields, then racing wins, then racing deletes.
    const opp = await call(A, keys[0], 'POST', '/opportunity/', { lead_id: leadId, value: 1000, date_won: '2026-12-31', note: 'start' });
    assert.equal(opp.status, 200, opp.raw);
    const oppId: string = opp.body.id;
    const edits = await Promise.all([
      call(A, keys[0], 'PUT', `/opportunity/${oppId}/`, { value: 250000 }),
      call(B, keys[1], 'PUT', `/opportunity/${oppId}/`, { note: 'renewal' }),
      call(A, keys[1], 'PUT', `/opportunity/${oppId}/`, { confidence: 75 }),
      call(B, keys[0], 'PUT', `/opportunity/${oppId}/`, { value_period: 'annual' }),
      call(A, keys[0], 'PUT', `/opportunity/${oppId}/`, { date_won: '2026-12-30' }),
    ]);
    no5xx(edits, 'opportunity edits');
    for (const r of edits) assert.equal(r.status, 200, r.raw);
    const o = (await call(B, keys[1], 'GET', `/opportunity/${oppId}/`)).body;
    assert.deepEqual([o.value, o.note, o.confidence, o.value_period, o.date_won], [250000, 'renewal', 75, 'annual', '2026-12-30']);
    const due = await call(A, keys[0], 'GET', `/task/?_type=opportunity_due&lead_id=${leadId}`);
    assert.equal(due.body.data.length, 1, `one opportunity_due: ${due.raw}`);
    const dueTask = due.body.data[0];
    assert.deepEqual([dueTask.opportunity_value, dueTask.opportunity_note, dueTask.opportunity_value_period, dueTask.date], [250000, 'renewal', 'annual', '2026-12-30T00:00:00+00:00']);
    const wins = await Promise.all(Array.from({ length: 6 }, (_, k) => call(at(k).base, at(k).key, 'PUT', `/opportunity/${oppId}/`, { status_type: 'won' })));
    no5xx(wins, 'wins');
    assert.equal((await events(B, keys[1], dueTask.id, 'completed')).length, 1, 'the due task completes once');
    const oppDeletes = await Promise.all(Array.from({ length: 4 }, (_, k) => call(at(k).base, at(k).key, 'DELETE', `/opportunity/${oppId}/`)));
    no5xx(oppDeletes, 'opportunity deletes');
    assert.deepEqual(oppDeletes.map((r) => r.status).sort(), [200, 404, 404, 404]);
  } finally {
    await nodes.stop();
    await db.close();
    await fresh.drop();
  }
});
