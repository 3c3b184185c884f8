/**
 * Timeouts and connection caps (issue 13, defect 6), on the real server over real
 * sockets with short limits: a client that drips its body is answered 408 (Close's
 * shape) and loses its connection; one that never finishes its headers too; past the
 * connection cap new connections are closed; a healthy request is untouched.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { basic, harness, type Harness } from '../support/helpers.js';
import { buildApp } from '../../src/server/app.js';

let h: Harness;
let app: FastifyInstance;
let port: number;

before(async () => {
  h = await harness();
  app = await buildApp({ db: h.db, clock: h.clock, rateLimit: false, limits: { requestTimeoutMs: 1_500, headersTimeoutMs: 1_000, idleTimeoutMs: 5_000, maxConnections: 4 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
after(async () => {
  await app.close();
  await h.close();
});

/** A raw connection and everything it receives until the server closes it (or `ms` pass). */
function open(): { socket: Socket; received: Promise<{ text: string; closedAfterMs: number }> } {
  const socket = connect(port, '127.0.0.1');
  const t0 = Date.now();
  const received = new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
    let text = '';
    socket.on('data', (c) => (text += c));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - t0 }));
  });
  return { socket, received };
}

test('a body dripped a byte at a time is cut off with a 408 in Close shape', async () => {
  const { socket, received } = open();
  socket.write(`POST /api/v1/lead/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(h.user.key)}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
  const drip = setInterval(() => socket.writable && socket.write(' '), 200);
  const { text, closedAfterMs } = await received;
  clearInterval(drip);
  assert.match(text, /^HTTP\/1\.1 408 /);
  assert.match(text, /Content-Type: application\/json/i);
  assert.match(text, /\{"error":"The request took too long to arrive\."\}/);
  assert.ok(closedAfterMs < 5_000, `closed after ${closedAfterMs} ms`);
  assert.equal((await h.req('GET', '/api/v1/lead/')).body.total_results, 0, 'nothing was created');
});

test('headers that never end are cut off too', async () => {
  const { socket, received } = open();
  socket.write(`GET /api/v1/me/ HTTP/1.1\r\nHost: x\r\n`);
  const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 200);
  const { text, closedAfterMs } = await received;
  clearInterval(drip);
  assert.match(text, /^HTTP\/1\.1 408 /);
  assert.ok(closedAfterMs < 5_000, `closed after ${closedAfterMs} ms`);
});

test('past the connection cap new connections are closed, and a request on an open one is answered', async () => {
  const held = Array.from({ length: 4 }, () => open());
  await Promise.all(held.map((c) => new Promise((r) => c.socket.once('connect', r))));
  await new Promise((r) => setTimeout(r, 100));
  const extra = open();
  const { text } = await extra.received;
  assert.equal(text, '', 'closed without an answer');
  held[0].socket.write(`GET /api/v1/me/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(h.user.key)}\r\nConnection: close\r\n\r\n`);
  const answer = await held[0].received;
  assert.match(answer.text, /^HTTP\/1\.1 200 /);
  for (const c of held) c.socket.destroy();
});
