/**
 * Operator endpoints without authentication (issue 11): liveness, readiness, request
 * ids. `/metrics` is in `metrics.ts`.
 *
 * - `GET /healthz`: 200 `{"status":"ok"}` while the process serves HTTP (liveness);
 * - `GET /readyz`: 200 `{"status":"ready"}` when the database answers and every
 *   migration of this code is applied; else 503 `{"status":"unavailable","error":...}`
 *   (take the node out of rotation; it keeps running);
 * - `GET /health`: issue 4's check (database reachable), kept for existing load balancers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.js';
import { pendingMigrations } from '../db/connect.js';
import { ping } from '../db/executor.js';
import { ID_PREFIX, newShortId } from '../close/ids.js';

/** A client's `X-Request-Id` is kept only when it is this sane: 1-128 of `[A-Za-z0-9._:-]`. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request (Fastify's `genReqId`): the client's `X-Request-Id` when sane,
 * else a new Close-like `req_` + 22 base62. It is logged (`reqId`), returned in
 * `X-Request-Id` and stored as events' `request_id`.
 */
export function requestIdOf(req: { headers: FastifyRequest['headers'] }): string {
  const header = req.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && SANE_REQUEST_ID.test(given) ? given : newShortId(ID_PREFIX.request);
}

/** Registers `/healthz`, `/readyz`, `/health` and the `X-Request-Id` response header. */
export function registerOps(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    let pending: string[];
    try {
      pending = await pendingMigrations(db);
    } catch (err) {
      request.log.error({ err }, 'readiness: database unreachable');
      return reply.code(503).send({ status: 'unavailable', error: 'The database cannot be reached.' });
    }
    if (pending.length) return reply.code(503).send({ status: 'unavailable', error: `Migrations not applied: ${pending.join(', ')}.` });
    return { status: 'ready' };
  });
  // Health check for load balancers (issue 4): 200 when this node can query its
  // database, else 503, so a node that lost the database is taken out of rotation.
  app.get('/health', async (request, reply) => {
    try {
      await ping(db.kysely);
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', error: 'The database cannot be reached.' });
    }
  });
}
