/**
 * The hostile-input suite (issue 13): a bounded, seeded generator over every route of
 * the route list (`closeRoutes`, so a route added later is covered), sent over a real
 * socket to the real app on the test backend's database. Odd names and values in the
 * query string and in `_params`, odd bodies (deep, wide, wrong types, invalid JSON,
 * other content types, odd encodings), odd headers (auth, zone, method override),
 * other methods, odd ids. It fails on any 5xx, on an error that is not JSON, and on an
 * error body that is not in Close's shape (`{"error": ...}` or `{"errors": [...]}`).
 *
 * `HOSTILE_SEED` replays another run; `HOSTILE_PER_ROUTE` sets the requests per route
 * (default 30 on SQLite, about 1,500 requests; 8 on PGlite and PostgreSQL).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basic, harness, makeLead, makeTask, testBackend, type Harness } from '../support/helpers.js';
import { closeRoutes } from '../../src/server/app.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20261301);
// PGlite and PostgreSQL answer a few times slower than SQLite: fewer per route keeps each backend near 10 s.
const PER_ROUTE = Number(process.env.HOSTILE_PER_ROUTE ?? (testBackend() === 'sqlite' ? 30 : 8));

let h: Harness;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const realIds: string[] = [];

before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
  const lead = await makeLead(h, 'Hostile Co');
  realIds.push(lead, (await makeTask(h, { lead_id: lead, text: 'target' })).id, h.user.id, h.orgId, h.outsider.id);
});
after(async () => {
  agent.destroy();
  await h.close();
});

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const ODD_STRINGS = [
  '', ' ', '\u0000', '\n', '\r\n', '\t', '\u007f', '\u00ff', '你好', '\u{1F600}', '\ud800', '\u202e', '%', '%00', '%ZZ', '\\', '"', "'", ',', ',,,', '..', '../..',
  '<script>', 'null', 'true', 'NaN', 'Infinity', '-1', '0', '1e309', '9223372036854775808', '-9999999999999999999', '1.5', '2026-13-45', '2026-02-30', '2026-03-10T25:61:00Z',
  '0000-00-00', '9999-12-31T23:59:59.999999+14:00', 'task_', 'lead_x', '__proto__', 'constructor', 'high', 'inbox', 'all', '_all',
];
const ODD_NAMES = ['__proto__', 'constructor', 'toString', '', ' ', '\u0000', '\n', 'a\u0000b', '你', '\u{1F600}', '%', 'x'.repeat(300), '_fields', '_limit', '_skip', '_params', '_type', 'id__in', 'date__gt', 'view'];

/** A value for a parameter or a field: odd strings, long strings, real ids, numbers. */
function oddText(r: Rng): string {
  const k = r.int(10);
  if (k < 5) return r.pick(ODD_STRINGS);
  if (k === 5) return r.pick(ODD_STRINGS).repeat(1 + r.int(3000));
  if (k === 6) return r.pick(realIds);
  if (k === 7) return Array.from({ length: 1 + r.int(50) }, () => r.pick(realIds.concat(ODD_STRINGS))).join(',');
  if (k === 8) return String(r.next() * 10 ** r.int(30) * (r.chance(0.5) ? -1 : 1));
  return String.fromCodePoint(...Array.from({ length: 1 + r.int(20) }, () => r.int(0x3000)));
}

/** A JSON value of any type, nested up to `depth` (past the body limit of 32 at times). */
function oddJson(r: Rng, depth: number): unknown {
  const k = r.int(depth > 0 ? 9 : 6);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -0, 1, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 99999999999999999999, 4294967296]);
    case 3:
    case 4:
    case 5:
      return oddText(r);
    case 6:
      return Array.from({ length: r.int(4) }, () => oddJson(r, depth - 1));
    case 7: {
      // A chain past the depth limit, or just under it.
      const n = r.pick([5, 31, 33, 200]);
      return JSON.parse('['.repeat(n) + '1' + ']'.repeat(n));
    }
    default:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.chance(0.5) ? r.pick(ODD_NAMES) : oddText(r).slice(0, 40), oddJson(r, depth - 1)]));
  }
}

/** Field names the route's body schema knows (top level), to send wrong types in right places. */
function schemaFields(route: (typeof closeRoutes)[number]): string[] {
  const props = (route.body as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** Percent-encoding of any text (a lone surrogate becomes U+FFFD first, as a browser sends it). */
const enc = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** One hostile request for `route`. */
function generate(r: Rng, route: (typeof closeRoutes)[number]): Sent {
  const id = r.chance(0.4) ? r.pick(realIds) : oddText(r);
  const rawSegment = r.pick(['%ZZ', '%00', '..%2F..', '%C0%AF', '%E4%BD', '.', '%2e%2e', '%20', '~', "'", '!$&()*+;=:@']);
  const path = '/api/v1' + route.url.replace(':id', r.chance(0.2) ? rawSegment : enc(id).slice(0, 3000));
  const query: string[] = [];
  const known = [...route.knownParams];
  for (let i = r.int(5); i > 0; i--) {
    const name = r.chance(0.6) && known.length ? r.pick(known) : r.pick(ODD_NAMES);
    query.push(`${enc(name)}=${enc(oddText(r))}`);
  }
  if (r.chance(0.1)) query.push(r.pick(['%', '%ZZ=1', '=', '&&&', 'a=%E4', '%0A=1', '%E4%BD%A0=1', '+=+']));
  let method: string = r.chance(0.75) ? route.method : r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const headers: Record<string, string> = { authorization: basic(r.chance(0.05) ? h.outsider.key : h.user.key) };
  if (r.chance(0.08)) headers.authorization = r.pick(['', 'Basic', 'Basic !!!', 'Bearer ', 'Bearer x', 'Basic ' + Buffer.from('你:').toString('base64'), 'Digest x', basic(':')]);
  if (r.chance(0.15)) headers['x-tz-offset'] = r.pick(['abc', '99', '-0.5e3', '14', '-12', '5.75', '', 'NaN', '1e400', ' 3 ']);
  if (r.chance(0.1)) {
    headers['x-http-method-override'] = r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'post', 'FOO', '']);
    method = 'POST';
  }
  const sent: Sent = { method, path: path + (query.length ? '?' + query.join('&') : ''), headers };
  // (HEAD carries no body: Node's own HTTP client cannot send one and read the answer.)
  if (method === 'HEAD' || (method === 'GET' && r.chance(0.7))) return sent;
  const k = r.int(10);
  let body: unknown;
  if (k < 5) {
    const fields = schemaFields(route);
    body = Object.fromEntries(Array.from({ length: 1 + r.int(5) }, () => [fields.length && r.chance(0.7) ? r.pick(fields) : r.pick(ODD_NAMES), oddJson(r, 3)]));
  } else if (k < 7) body = { _params: r.chance(0.8) ? Object.fromEntries(Array.from({ length: 1 + r.int(3) }, () => [r.chance(0.6) && known.length ? r.pick(known) : r.pick(ODD_NAMES), oddJson(r, 1)])) : oddJson(r, 2) };
  else body = oddJson(r, 4);
  sent.headers['content-type'] = r.chance(0.85) ? 'application/json' : r.pick(['text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/JSON', '']);
  if (r.chance(0.15)) sent.body = r.pick(['{', 'NaN', '[]', '"s"', 'null', '{"a":1,}', '\u0000', '{"a":"\\ud800"}', '{"__proto__":{"x":1}}']);
  else if (r.chance(0.05)) sent.body = Buffer.from(Array.from({ length: 1 + r.int(200) }, () => r.int(256)));
  else sent.body = JSON.stringify(body);
  return sent;
}

/** Sends `s` over the socket; the status, content type and text. */
function send(s: Sent): Promise<{ status: number; type: string; raw: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, agent, method: s.method, path: s.path, headers: s.headers }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (raw += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), raw }));
    });
    req.on('error', reject);
    req.end(s.body);
  });
}

/** What is wrong with an answer, or null: a 5xx, a non-JSON error, an error not in Close's shape. */
function fault(method: string, status: number, type: string, raw: string): string | null {
  if (status >= 500) return `answered ${status}`;
  if (status < 400 || method === 'HEAD') return null;
  if (!/^application\/json/.test(type)) return `error with Content-Type "${type}"`;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'error body is not JSON';
  }
  const b = body as Record<string, unknown>;
  const closeShape = b && typeof b === 'object' && ((typeof b.error === 'string' || (typeof b.error === 'object' && b.error !== null)) || Array.isArray(b.errors));
  return closeShape ? null : `error body not in Close's shape: ${raw.slice(0, 200)}`;
}

test(`hostile input over every route (seed ${SEED}, ${PER_ROUTE} per route): no 5xx, every error JSON in Close's shape`, async () => {
  const r = rng(SEED);
  const faults: string[] = [];
  let sent = 0;
  const statuses = new Map<number, number>();
  for (const route of closeRoutes) {
    for (let i = 0; i < PER_ROUTE; i++) {
      const s = generate(r, route);
      let res: { status: number; type: string; raw: string };
      try {
        res = await send(s);
      } catch (e) {
        faults.push(`${route.method} ${route.url}: ${s.method} ${s.path.slice(0, 200)} ${JSON.stringify(s.headers).slice(0, 200)} body ${String(s.body ?? '').slice(0, 200)} -> ${(e as Error).message}`);
        continue;
      }
      sent++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const f = fault(s.method, res.status, res.type, res.raw);
      if (f) faults.push(`${route.method} ${route.url}: ${s.method} ${s.path.slice(0, 200)} ${JSON.stringify(s.headers).slice(0, 200)} body ${String(s.body ?? '').slice(0, 200)} -> ${f}`);
    }
  }
  // The generator must reach past authentication and validation, or it tests little.
  assert.ok((statuses.get(200) ?? 0) > sent / 20, `too few successes: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(400) ?? 0) > sent / 5, `too few 400s: ${JSON.stringify([...statuses])}`);
  assert.deepEqual(faults.slice(0, 20), [], `${faults.length} faults (replay with HOSTILE_SEED=${SEED})`);
});
