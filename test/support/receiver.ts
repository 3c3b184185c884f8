/**
 * A real HTTP webhook receiver for tests: listens on 127.0.0.1 (port 0 unless told),
 * keeps every request's raw body bytes and headers, and answers with the status the
 * test's responder chooses (200 by default).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  raw: Buffer;
  json: any;
  /** The status this receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Chooses the status of the n-th request (0-based). */
  respond: (n: number, r: Omit<Received, 'status'>) => number;
  close(): Promise<void>;
}

export async function startReceiver(opts: { port?: number; respond?: Receiver['respond'] } = {}): Promise<Receiver> {
  const received: Received[] = [];
  let n = 0;
  const receiver: Receiver = {
    url: '',
    port: 0,
    received,
    respond: opts.respond ?? (() => 200),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let json: any;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, json };
      const status = receiver.respond(n++, r);
      received.push({ ...r, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}
