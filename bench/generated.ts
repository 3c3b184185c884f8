/**
 * Benchmark: what generated-task rules cost on the write path, against a baseline in
 * the same run (architecture: benchmarks compare with a baseline in the same run).
 *
 * Over the real app (Fastify inject, SQLite file in a temp folder), N requests each of:
 * - baseline: `POST /task/` (a lead task: validation, one insert);
 * - `POST /activity/call/` missed call from a contact's number (lookup, activity, task);
 * - `POST /activity/call/` call back (activity, completion of the open missed calls);
 * - `POST /activity/email/` inbound email on one thread (thread, task extended);
 * - `POST /activity/call/` from a number never seen before (adds the geocoder's first read).
 *
 * Run: `node --import tsx bench/generated.ts [N]` (default 300). Prints ms per request
 * (median and p95) and the ratio to the baseline.
 */
import { harness, makeLead } from '../test/support/helpers.js';

const N = Number(process.argv[2] ?? 300);

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)] };
}

const h = await harness();
const lead = await makeLead(h, 'Bench Co');
const contact = await h.req('POST', '/api/v1/contact/', { body: { lead_id: lead, phones: [{ phone: '+1 650 333 4444' }] } });
if (contact.status !== 200) throw new Error(contact.raw);

async function measure(name: string, body: (i: number) => [string, unknown]): Promise<{ name: string; median: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const [url, payload] = body(i);
    const t0 = performance.now();
    const r = await h.req('POST', url, { body: payload });
    samples.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${r.raw}`);
    h.advance(1000);
  }
  return { name, ...stats(samples) };
}

const rows = [
  await measure('baseline POST /task/', () => ['/api/v1/task/', { lead_id: lead, text: 'x' }]),
  await measure('missed call (known number)', () => ['/api/v1/activity/call/', { direction: 'inbound', status: 'no-answer', phone: '(650) 333-4444' }]),
  await measure('call back (completes)', () => ['/api/v1/activity/call/', { direction: 'outbound', phone: '650-333-4444' }]),
  await measure('inbound email, one thread', () => ['/api/v1/activity/email/', { lead_id: lead, status: 'inbox', sender: 'a@b.example', subject: 'Bench' }]),
  await measure('missed call, new number', (i) => ['/api/v1/activity/call/', { direction: 'inbound', status: 'no-answer', phone: `+1 212 555 ${String(1000 + (i % 9000)).padStart(4, '0')}` }]),
];
const base = rows[0].median;
for (const r of rows) {
  process.stdout.write(`${r.name.padEnd(30)} median ${r.median.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  x${(r.median / base).toFixed(2)}\n`);
}
await h.close();
