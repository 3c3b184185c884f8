/**
 * Prometheus metrics at `GET /metrics` (issue 11), with prom-client, in the text format:
 *
 * - `tasklane_http_requests_total{route,method,status_code}` and
 *   `tasklane_http_request_duration_seconds{route,method}` (histogram): `route` is the
 *   route's pattern (`/api/v1/task/:id`), or `unmatched`, never the raw URL, so the
 *   number of series stays bounded;
 * - `tasklane_db_pool_connections{state="total|idle|waiting"}`, `tasklane_db_pool_max`
 *   (PostgreSQL only: SQLite and PGlite have no pool);
 * - `tasklane_webhook_outbox_pending` (deliveries waiting, read at scrape time) and
 *   `tasklane_webhook_deliveries_total{outcome="delivered|retrying|failed|dropped"}`
 *   (counted by this node's delivery worker);
 * - `tasklane_list_cache_requests_total{result="hit|miss"}` (`listcache.ts` stats);
 * - `tasklane_rate_limit_store{store}`: 1 for the store that answered last (`redis`,
 *   `database` or `memory`; shows a Redis fallback);
 * - prom-client's process metrics (`process_*`, `nodejs_*`), once per process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connect.js';
import { countPendingDeliveries } from '../db/webhooks.repo.js';
import type { ListCache } from './listcache.js';
import type { BucketStore } from './ratelimit-store.js';

/** What the delivery worker reports after a pass (`events/delivery.ts` `DeliveryRunStats`). */
export interface DeliveryOutcomes {
  delivered: number;
  retrying: number;
  failed: number;
  dropped: number;
}

let processRegistry: Registry | null = null;

/** prom-client's default metrics, registered once per process (they watch the event loop). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One app's metrics (a registry of its own, so several apps in one process do not clash). */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'tasklane_http_requests_total', help: 'HTTP requests by route pattern, method and status code', labelNames: ['route', 'method', 'status_code'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'tasklane_http_request_duration_seconds',
    help: 'Time from request to response, seconds, by route pattern and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({ name: 'tasklane_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (this node)', labelNames: ['outcome'], registers: [this.registry] });

  /** Counts one response (`route`: the route pattern or `unmatched`; `seconds`: its duration). */
  observe(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status_code: String(status) });
    this.duration.observe({ route, method }, seconds);
  }

  /** Adds a delivery pass's outcomes (the worker's `onPass`). */
  recordDeliveries(stats: DeliveryOutcomes): void {
    for (const outcome of ['delivered', 'retrying', 'failed', 'dropped'] as const) if (stats[outcome]) this.deliveries.inc({ outcome }, stats[outcome]);
  }

  /** Adds the gauges read at scrape time from the database, the list cache and the rate-limit store. */
  watch(db: Db, listCache: ListCache, store: BucketStore | null): void {
    const registers = [this.registry];
    if (db.poolStats) {
      const poolStats = db.poolStats;
      new Gauge({
        name: 'tasklane_db_pool_connections',
        help: 'PostgreSQL pool connections by state',
        labelNames: ['state'],
        registers,
        collect() {
          const s = poolStats();
          for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, s[state]);
        },
      });
      new Gauge({ name: 'tasklane_db_pool_max', help: 'Most PostgreSQL connections of this process (DATABASE_POOL_MAX)', registers, collect() { this.set(poolStats().max); } });
    }
    new Gauge({
      name: 'tasklane_webhook_outbox_pending',
      help: 'Webhook deliveries waiting to be sent (all nodes)',
      registers,
      async collect() {
        // A scrape while the database is away still answers (the other metrics say why).
        try {
          this.set(await countPendingDeliveries(db.kysely));
        } catch {
          this.reset();
        }
      },
    });
    new Counter({
      name: 'tasklane_list_cache_requests_total',
      help: 'Task list requests answered from the list cache (hit) or the database (miss)',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, listCache.stats.hits);
        this.inc({ result: 'miss' }, listCache.stats.misses);
      },
    });
    if (store) {
      new Gauge({
        name: 'tasklane_rate_limit_store',
        help: 'The rate-limit store that answered last (1)',
        labelNames: ['store'],
        registers,
        collect() {
          this.reset();
          this.set({ store: store.name }, 1);
        },
      });
    }
  }

  /** The exposition text: this app's metrics, then the process's. */
  async text(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }
}

/** Counts every response of `app` in `metrics` and serves `GET /metrics` (no authentication). */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metricsContentType());
    return metrics.text();
  });
}

/** Prometheus's text format content type. */
function metricsContentType(): string {
  return processMetrics().contentType;
}
