/**
 * Benchmarks of issue 5, each against a baseline in the same run, on a real SQLite file:
 *
 * 1. What the outbox costs a write: `PUT /task/` (bulk) over 1000 tasks with no
 *    subscription (events only) against 5 matching subscriptions (events plus 5000
 *    outbox rows in the same transaction).
 * 2. Delivery throughput to a local receiver: one request in flight (baseline)
 *    against the worker's default 8.
 *
 * Run: `npm run bench:webhooks`. Prints one line per measurement; no assertion (timing
 * is machine-dependent, so it is kept out of the test suite).
 */
import { performance } from 'node:perf_hooks';
import { harness, makeLead, makeTask, type Harness } from '../test/support/helpers.js';
import { startReceiver } from '../test/support/receiver.js';
import { createDeliveryWorker } from '../src/events/delivery.js';

const TASKS = 1000;

async function bulkUpdateMs(h: Harness, lead: string, text: string): Promise<number> {
  h.advance(1000);
  const t0 = performance.now();
  const r = await h.req('PUT', `/api/v1/task/?lead_id=${lead}`, { body: { text } });
  const ms = performance.now() - t0;
  if (r.body?.count !== TASKS) throw new Error(`bulk update answered ${r.raw}`);
  return ms;
}

async function main(): Promise<void> {
  const h = await harness({ now: Date.now() });
  const lead = await makeLead(h, 'Bench Co');
  for (let i = 0; i < TASKS; i++) await makeTask(h, { lead_id: lead, text: `t${i}` });

  // Warm up, then alternate to spread noise evenly.
  await bulkUpdateMs(h, lead, 'warm');
  const bare: number[] = [];
  const withSubs: number[] = [];
  const rcv = await startReceiver();
  const subIds: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const id of subIds.splice(0)) await h.req('DELETE', `/api/v1/webhook/${id}/`);
    bare.push(await bulkUpdateMs(h, lead, `bare ${round}`));
    for (let i = 0; i < 5; i++) {
      const s = await h.req('POST', '/api/v1/webhook/', { body: { url: rcv.url, events: [{ object_type: 'task.lead', action: 'updated' }] } });
      subIds.push(s.body.id);
    }
    withSubs.push(await bulkUpdateMs(h, lead, `subs ${round}`));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`bulk PUT /task/ of ${TASKS} tasks, 1000 events, no subscription:   median ${median(bare).toFixed(0)} ms`);
  console.log(`bulk PUT /task/ of ${TASKS} tasks, 1000 events, 5 subscriptions:    median ${median(withSubs).toFixed(0)} ms (+5000 outbox rows)`);

  // Delivery throughput: drain what the rounds queued (3 x 5000 rows), half each way.
  const pending = async () =>
    Number((await h.db.kysely.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow()).n);
  for (const concurrency of [1, 8]) {
    const w = createDeliveryWorker(h.db, { clock: h.clock, concurrency, batchSize: 50 });
    const before = rcv.received.length;
    const t0 = performance.now();
    while (rcv.received.length - before < 2000 && (await pending()) > 0) await w.runOnce();
    const secs = (performance.now() - t0) / 1000;
    const n = rcv.received.length - before;
    console.log(`delivery to a local receiver, ${concurrency} in flight: ${n} events in ${secs.toFixed(2)} s = ${(n / secs).toFixed(0)} events/s`);
    await w.stop();
  }
  await rcv.close();
  await h.close();
}

await main();
