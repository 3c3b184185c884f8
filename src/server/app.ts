/**
 * `buildApp(opts)`: the Tasklane HTTP application, separate from `listen` so tests
 * build exactly what production runs (architecture note 4).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { systemClock, type Clock } from '../context.js';
import { BODY_LIMIT_BYTES, registerBodyParsers, registerErrorHandling } from './http.js';
import { Authenticator } from './auth.js';
import { registerCloseRoutes, type CloseRoute } from './routing.js';
import { taskRoutes } from './routes/task.js';
import { leadRoutes } from './routes/lead.js';
import { contactRoutes } from './routes/contact.js';
import { userRoutes } from './routes/user.js';

export interface AppOptions {
  db: Db;
  /** The clock every "today" rule reads (D16-D17); tests pin it. */
  clock?: Clock;
  /** D5: refuse unknown query parameters instead of ignoring them. */
  strictParams?: boolean;
  /** Fastify logger option: false for none, true or pino options for JSON logs. */
  logger?: FastifyServerOptions['logger'];
}

/** Every Close route Tasklane serves, in one list (router, override dispatch, OpenAPI). */
export const closeRoutes: CloseRoute[] = [...taskRoutes, ...leadRoutes, ...contactRoutes, ...userRoutes];

/** Builds the app; call `listen` or `inject` on the result. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: {
      // D1: with or without the trailing slash, and with a doubled slash; no redirect.
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      // Close parameters are read from the raw query string by close/params.ts.
      querystringParser: () => ({}),
    },
    // Request ids appear in logs; Close's own are `req_...`.
    genReqId: () => 'req_' + Math.random().toString(36).slice(2, 12),
  });
  registerBodyParsers(app);
  registerErrorHandling(app);
  const clock = opts.clock ?? systemClock;
  registerCloseRoutes(app, closeRoutes, {
    db: opts.db,
    clock,
    auth: new Authenticator(opts.db),
    strictParams: opts.strictParams ?? false,
  });
  // Health check for load balancers (issue 4): 200 when this node can query its
  // database, else 503, so a node that lost the database is taken out of rotation.
  app.get('/health', async (request, reply) => {
    try {
      await sql`select 1`.execute(opts.db.kysely);
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', error: 'The database cannot be reached.' });
    }
  });
  return app;
}
