/**
 * Two Tasklane nodes on one PostgreSQL database, hammered at once (issue 4): two
 * `tasklane serve` processes start together on a fresh database, then concurrent
 * clients send creates, partial updates, completions, bulk updates and deletes of the
 * same tasks to both. Afterwards:
 * - no request failed (every answer is 200, or 404 for a task some DELETE removed);
 * - every task is in a state some serial order of the acknowledged requests gives:
 *   each field holds the value of an acknowledged write to it (every write carries a
 *   distinct value, so a lost update shows), a completed lead task has exactly one
 *   TaskCompleted activity and points at it, an open one has none;
 * - bulk counts agree with the tasks that existed; each task was deleted at most once;
 * - both nodes answer every list identically.
 * PostgreSQL server only (`TEST_DB=postgres`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, freshDatabase } from '../support/helpers.js';
import { startNode, type Node } from '../support/processes.js';
import { openDb } from '../../src/db/connect.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { rng } from '../../bench/generate.js';

interface Reply {
  status: number;
  body: any;
  raw: string;
}

async function call(node: Node, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(node.base + '/api/v1' + path, {
    method,
    headers: { authorization: basic(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await r.text();
  return { status: r.status, body: raw ? JSON.parse(raw) : undefined, raw };
}

const WORKERS = 8;
const OPS_PER_WORKER = 50;
const TASKS = 24;
/** Tasks with an index from here on may be deleted. */
const FIRST_DELETABLE = 16;

test('two nodes on one database under concurrent creates, updates, completions, bulk updates and deletes of the same tasks', async () => {
  const fresh = await freshDatabase('postgres');
  const nodes: Node[] = [];
  try {
    // Both nodes start on the empty database at the same moment; one migrates it.
    nodes.push(...(await Promise.all([startNode(fresh.url), startNode(fresh.url)])));
    const [A, B] = nodes;
    const db = await openDb(fresh.url, { poolMax: 2 });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const org = await createOrganization(db.kysely, { name: 'Two nodes' }, t0);
    const ann = await createUser(db.kysely, org.id, { email: 'ann@two.test', first_name: 'Ann', last_name: 'Lee', timezone: 'America/Los_Angeles' }, t0);
    const ken = await createUser(db.kysely, org.id, { email: 'ken@two.test', first_name: 'Ken', last_name: 'Sato', timezone: 'Asia/Tokyo' }, t0);
    const annKey = (await createApiKey(db.kysely, org.id, ann.id, t0)).key;
    const kenKey = (await createApiKey(db.kysely, org.id, ken.id, t0)).key;

    const lead = await call(A, annKey, 'POST', '/lead/', { name: 'Hammered Inc' });
    assert.equal(lead.status, 200, lead.raw);
    const leadId: string = lead.body.id;
    const ids: string[] = [];
    const initialText = new Map<string, string>();
    for (let i = 0; i < TASKS; i++) {
      const date = i % 3 === 0 ? `2026-0${1 + (i % 9)}-1${i % 10}` : `2026-0${1 + (i % 9)}-1${i % 10}T${10 + (i % 12)}:30:00Z`;
      const r = await call(i % 2 ? B : A, annKey, 'POST', '/task/', { lead_id: leadId, text: `init-${i}`, date });
      assert.equal(r.status, 200, r.raw);
      ids.push(r.body.id);
      initialText.set(r.body.id, `init-${i}`);
    }

    // A completion storm: six requests complete each of eight tasks at once, three per node.
    const storm = await Promise.all(
      ids.slice(0, 8).flatMap((id) => Array.from({ length: 6 }, (_, k) => call(k % 2 ? B : A, k % 3 ? annKey : kenKey, 'PUT', `/task/${id}/`, { is_complete: true }).then((r) => ({ id, r })))),
    );
    for (const { id, r } of storm) {
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.is_complete, true);
      const first = storm.find((s) => s.id === id)!.r.body.object_id;
      assert.equal(r.body.object_id, first, `every completion of ${id} names the one activity`);
    }
    const stormActivities = await db.kysely.selectFrom('activities').select(['id', 'data']).where('type', '=', 'TaskCompleted').execute();
    assert.equal(stormActivities.length, 8, 'one TaskCompleted activity per task, not one per request');

    // The hammer.
    type TextWrite = { task: string; text: string; status: number };
    const textWrites: TextWrite[] = [];
    const completions: { task: string; status: number }[] = [];
    const bulks: { ids: string[]; field: 'priority' | 'assigned_to'; value: string | null; status: number; count?: number }[] = [];
    const deletes: { task: string; status: number }[] = [];
    const creates: { id: string }[] = [];
    const failures: string[] = [];
    const worker = async (w: number) => {
      const random = rng(1000 + w);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
      for (let n = 0; n < OPS_PER_WORKER; n++) {
        const node = (w + n) % 2 ? B : A;
        const key = random() < 0.5 ? annKey : kenKey;
        const op = random();
        const task = pick(ids);
        let r: Reply;
        if (op < 0.3) {
          const text = `w${w}-${n}`;
          r = await call(node, key, 'PUT', `/task/${task}/`, { text });
          textWrites.push({ task, text, status: r.status });
          if (r.status === 200 && r.body.text !== text) failures.push(`text write ${text} answered ${r.body.text}`);
        } else if (op < 0.5) {
          r = await call(node, key, 'PUT', `/task/${task}/`, { is_complete: random() < 0.6 });
          completions.push({ task, status: r.status });
        } else if (op < 0.7) {
          const chosen = [...new Set([pick(ids), pick(ids), pick(ids), pick(ids)])];
          const field = random() < 0.5 ? 'priority' : 'assigned_to';
          const value = field === 'priority' ? pick(['high', 'medium', null]) : pick([ann.id, ken.id]);
          r = await call(node, key, 'PUT', `/task/?id__in=${chosen.join(',')}`, { [field]: value });
          bulks.push({ ids: chosen, field, value, status: r.status, count: r.body?.count });
        } else if (op < 0.8) {
          const victim = pick(ids.slice(FIRST_DELETABLE));
          r = await call(node, key, 'DELETE', `/task/${victim}/`);
          deletes.push({ task: victim, status: r.status });
        } else if (op < 0.9) {
          r = await call(node, key, 'POST', '/task/', { lead_id: leadId, text: `new-${w}-${n}`, date: '2026-03-10' });
          if (r.status === 200) creates.push({ id: r.body.id });
        } else {
          r = await call(node, key, 'GET', `/task/?lead_id=${leadId}&_type=all&_limit=1000`);
        }
        if (r.status !== 200 && r.status !== 404) failures.push(`${op.toFixed(2)} on ${task}: ${r.status} ${r.raw}`);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    assert.deepEqual(failures, []);

    // Deletions: each deleted task was deleted exactly once; 404s only for deleted tasks.
    const deleted = new Set(deletes.filter((d) => d.status === 200).map((d) => d.task));
    for (const id of deleted) assert.equal(deletes.filter((d) => d.task === id && d.status === 200).length, 1, `${id} deleted once`);
    for (const x of [...textWrites, ...completions, ...deletes]) if (x.status === 404) assert.ok(deleted.has(x.task), `404 for ${x.task}, which nobody deleted`);
    for (const b of bulks) assert.equal(b.status, 200, JSON.stringify(b));

    const rows = await db.kysely.selectFrom('tasks').selectAll().where('organization_id', '=', org.id).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const survivors = ids.filter((id) => !deleted.has(id));
    for (const id of deleted) assert.equal(byId.get(id), undefined, `${id} is gone`);
    for (const c of creates) assert.ok(byId.has(c.id), `created ${c.id} is there`);
    assert.equal(rows.length, survivors.length + creates.length);

    // Bulk counts: every listed task that survived was counted; no more than were listed.
    for (const b of bulks) {
      const alive = b.ids.filter((id) => !deleted.has(id)).length;
      assert.ok(b.count! >= alive && b.count! <= b.ids.length, `bulk over ${b.ids.length} ids (${alive} never deleted) counted ${b.count}`);
    }

    // Each field holds the value of an acknowledged write to it (or its initial value when none was acknowledged).
    const activities = await db.kysely.selectFrom('activities').selectAll().where('type', '=', 'TaskCompleted').execute();
    for (const id of survivors) {
      const row = byId.get(id)!;
      const texts = textWrites.filter((t) => t.task === id && t.status === 200).map((t) => t.text);
      if (texts.length) assert.ok(texts.includes(row.text!), `${id}: text "${row.text}" is one of the acknowledged writes ${texts.join(',')}`);
      else assert.equal(row.text, initialText.get(id));
      for (const field of ['priority', 'assigned_to'] as const) {
        const values = bulks.filter((b) => b.field === field && b.ids.includes(id)).map((b) => b.value);
        const initial = field === 'priority' ? null : ann.id;
        if (values.length) assert.ok(values.includes(row[field]), `${id}: ${field} ${row[field]} is one of the acknowledged bulk writes`);
        else assert.equal(row[field], initial);
      }
      // Completion side effects agree with the completion state (D22).
      const mine = activities.filter((a) => JSON.parse(a.data).task_id === id);
      if (row.is_complete) {
        assert.equal(mine.length, 1, `${id} is complete: one TaskCompleted activity`);
        assert.equal(row.object_type, 'taskcompleted');
        assert.equal(row.object_id, mine[0].id);
      } else {
        assert.equal(mine.length, 0, `${id} is open: no TaskCompleted activity`);
        assert.equal(row.object_id, null);
        assert.equal(row.resolution, null);
      }
    }
    for (const id of deleted) assert.ok(activities.filter((a) => JSON.parse(a.data).task_id === id).length <= 1, `${id}: at most one activity`);

    // Both nodes answer every list identically.
    const lists = [
      `/task/?lead_id=${leadId}&_type=all&_limit=1000`,
      '/task/?view=inbox&_limit=1000',
      '/task/?view=future&_limit=1000',
      '/task/?view=archive&_limit=1000',
      '/task/?_order_by=-date_created&_limit=1000',
      `/task/?assigned_to=${ken.id}&_order_by=-date&_limit=1000`,
      '/task/?_limit=7&_skip=7',
      `/lead/${leadId}/`,
    ];
    let compared = 0;
    for (const path of lists) {
      for (const [key, headers] of [[annKey, {}], [kenKey, {}], [annKey, { 'x-tz-offset': '-2.5' }]] as [string, Record<string, string>][]) {
        const [a, b] = await Promise.all([call(A, key, 'GET', path, undefined, headers), call(B, key, 'GET', path, undefined, headers)]);
        assert.equal(a.status, 200, a.raw);
        assert.equal(a.raw, b.raw, `${path} differs between the nodes`);
        compared++;
      }
    }
    assert.equal(compared, lists.length * 3);
    const all = await call(A, annKey, 'GET', `/task/?lead_id=${leadId}&_type=all&_limit=1000`);
    assert.equal(all.body.data.length, rows.length);
    // Enough of each kind of request was acknowledged for the checks above to mean something.
    assert.ok(textWrites.filter((t) => t.status === 200).length > 50, 'text writes');
    assert.ok(completions.filter((t) => t.status === 200).length > 30, 'completions');
    assert.ok(bulks.length > 30 && deleted.size > 0 && creates.length > 10, 'bulks, deletes and creates');
    await db.close();
  } finally {
    for (const n of nodes) await n.stop();
    await fresh.drop();
  }
});
