/**
 * The read workloads of issue 12, shared by the benchmarks: autocannon loads whose
 * requests are made per request (key, path), a writer at a fixed rate beside them,
 * and the serving process's anonymous memory. Each result is a row of the report.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import autocannon from 'autocannon';
import type { Dataset } from './generate.js';

export interface Result {
  name: string;
  requests_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  /** Extra figures of the row (the writer beside a mix). */
  note?: string;
  /** CPU ms the serving process spent per request during the load. */
  cpu_ms_per_request?: number;
}

export const basicAuth = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');

/** Makes one request: the path (with query) and the API key to send, or null for none. */
export type RequestMaker = (n: number) => { path: string; key: string | null };

/** Loads `base` for `seconds` with `connections`, each request from `make`. */
export async function load(name: string, base: string, make: RequestMaker, seconds: number, connections: number): Promise<Result> {
  let n = 0;
  const r = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req: any) => {
          const m = make(n++);
          req.path = m.path;
          if (m.key) req.headers = { ...(req.headers ?? {}), authorization: basicAuth(m.key) };
          return req;
        },
      },
    ],
  });
  return { name, requests_per_sec: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

/** The generator's lead ids of organization `o` (see `generate.ts` `idFrom`). */
export function leadIdsOf(ds: Dataset, o: number): string[] {
  const n = ds.shape.usersPerOrg * ds.shape.leadsPerUser;
  return Array.from({ length: n }, (_, l) => ('lead_' + `O${o}Z` + l.toString(36).padStart(10, '0')).padEnd(48, 'X'));
}

const TYPES = ['all', 'lead', 'outgoing_call', 'incoming_email', 'email_followup', 'missed_call', 'voicemail', 'opportunity_due', 'incoming_sms'];
const ORDERS = ['date', '-date', 'date_created', '-date_created'];

/**
 * Varied filters (issue 12): a random organization's user; a random `_type`, and each
 * of `lead_id`, `assigned_to`, `date__gte` (within the data's window) with probability
 * one half, a random `_order_by`. `unique` makes every request distinct (never cached).
 */
export function variedFilters(ds: Dataset): RequestMaker {
  const leads = ds.orgs.map((_, o) => leadIdsOf(ds, o));
  return (n) => {
    const o = Math.floor(Math.random() * ds.orgs.length);
    const org = ds.orgs[o];
    const p = [`_type=${pick(TYPES)}`, `_order_by=${pick(ORDERS)}`, '_limit=100', `uncached=${n}`];
    if (Math.random() < 0.5) p.push(`lead_id=${pick(leads[o])}`);
    if (Math.random() < 0.5) p.push(`assigned_to=${pick(org.users).id}`);
    if (Math.random() < 0.5) p.push(`date__gte=${new Date(ds.now + (Math.floor(Math.random() * 80) - 60) * 86_400_000).toISOString().slice(0, 10)}`);
    return { path: `/api/v1/task/?${p.join('&')}`, key: pick(org.users).key };
  };
}

/** A fixed path with a random key of `keys` per request; `unique` adds a parameter of its own (no cache hit). */
export function fixedPath(path: string, keys: string[] | null, unique = false): RequestMaker {
  return (n) => ({ path: unique ? `${path}${path.includes('?') ? '&' : '?'}uncached=${n}` : path, key: keys ? pick(keys) : null });
}

/** Users of `keys` in turn (round-robin), one path. */
export function roundRobin(path: string, keys: string[]): RequestMaker {
  return (n) => ({ path, key: keys[n % keys.length] });
}

export interface WriterStats {
  writes: number;
  per_sec: number;
  p50_ms: number;
  p99_ms: number;
  failures: number;
}

/**
 * Writes `perSec` task edits a second (`PUT /task/{id}/` with a new text, one at a
 * time, on `ids` at random) until `stop()`; resolves with their latencies.
 */
export function startWriter(base: string, key: string, ids: string[], perSec: number): { stop: () => Promise<WriterStats> } {
  const ms: number[] = [];
  let failures = 0;
  let running = true;
  const t0 = performance.now();
  const done = (async () => {
    for (let i = 0; running; i++) {
      const due = t0 + (i * 1000) / perSec;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const s = performance.now();
      const r = await fetch(`${base}/api/v1/task/${pick(ids)}/`, {
        method: 'PUT',
        headers: { authorization: basicAuth(key), 'content-type': 'application/json' },
        body: JSON.stringify({ text: `edited ${i}` }),
      });
      await r.arrayBuffer();
      if (r.status !== 200) failures++;
      ms.push(performance.now() - s);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      const secs = (performance.now() - t0) / 1000;
      ms.sort((a, b) => a - b);
      const q = (f: number) => +(ms[Math.min(ms.length - 1, Math.floor(ms.length * f))] ?? 0).toFixed(1);
      return { writes: ms.length, per_sec: +(ms.length / secs).toFixed(1), p50_ms: q(0.5), p99_ms: q(0.99), failures };
    },
  };
}

/** CPU ms (user + system) process `pid` has used so far (Linux `/proc/PID/stat`, USER_HZ 100); 0 elsewhere. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** `RssAnon` of process `pid` in MB (Linux `/proc/PID/status`): its heap and other private memory, without the mapped database file. */
export function anonMemoryMb(pid: number): number | null {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Reads `path` once, so the measurements start with the database in the OS page cache:
 * on these VMs cold pages come from a slow disk (a 1.7 GB file takes about 12 s) and
 * are reclaimed when idle, which would make the first rows measure the disk.
 */
export function warmFile(path: string): void {
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(8 << 20);
  try {
    while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}
