/**
 * Webhook delivery from the outbox (reference §12.3; issue 5): at least once, in no
 * guaranteed order, signed as Close signs.
 *
 * A worker repeatedly claims due rows of `webhook_deliveries` (a lease, see
 * `db/webhooks.repo.ts`), POSTs each event and records the outcome:
 * - request: `POST <url>` with body `{"event": <event JSON>, "subscription_id": "whsub_..."}`
 *   and headers `content-type: application/json`, `close-sig-timestamp` (unix seconds)
 *   and `close-sig-hash` (`events/signature.ts`);
 * - success: any 2xx answer. Anything else (3xx included: redirects are not followed,
 *   4xx, 5xx, timeouts, refused connections, TLS errors) is a failure;
 * - retries back off exponentially from `retryMinMs` (10 s), doubling each time, up to
 *   one try every 20 minutes, for 72 hours after the event; then the delivery is
 *   `failed` (Close: "capped at one attempt every 20 minutes, for up to 72 hours");
 * - a subscription whose deliveries have all failed for 3 days is paused and its queue
 *   dropped (Close: "every delivery fails for 3 days"); the API re-activates it.
 *
 * Because rows are committed with the change that caused them and settled only after an
 * answer, a crash or restart loses nothing: leases run out and rows go again (on SQLite
 * a starting worker releases leftover leases at once, as one node delivers there).
 * A receiver may therefore see an event twice; the event `id` identifies it.
 */
import { Agent, request } from 'undici';
import { isIP } from 'node:net';
import { randomBase62 } from '../close/ids.js';
import { systemClock, type Clock } from '../context.js';
import type { Db } from '../db/connect.js';
import { writeTransaction } from '../db/executor.js';
import type { WebhookDeliveryRow, WebhookSubscriptionRow } from '../db/schema.js';
import { findEventsById } from '../db/events.repo.js';
import {
  DELIVERY_STATE,
  claimDueDeliveries,
  dropPendingDeliveries,
  findSubscriptionsById,
  releaseAllLeases,
  settleDelivery,
  updateSubscription,
} from '../db/webhooks.repo.js';
import { eventJson } from './record.js';
import { signatureHash } from './signature.js';
import { PrivateAddressError, guardedLookup, isPrivateAddress } from './ssrf.js';
import { onOutboxSignal } from './signal.js';

/** Close's cap between attempts: one try every 20 minutes. */
export const RETRY_MAX_MS = 20 * 60_000;
/** Close retries for up to 72 hours. */
export const RETRY_WINDOW_MS = 72 * 3_600_000;
/** Close pauses a subscription whose deliveries have all failed for 3 days. */
export const PAUSE_AFTER_MS = 3 * 86_400_000;

/** What a worker needs besides the database; every field has a default. */
export interface DeliveryWorkerOptions {
  /** The worker's clock (ms UTC); tests pin it. Default: the system clock. */
  clock?: Clock;
  /**
   * Longest wait for one receiver, connect to last body byte (ms). Without it a
   * receiver that never answers holds a delivery slot forever. Default 10 s
   * (env `WEBHOOK_TIMEOUT_SECONDS`).
   */
  timeoutMs?: number;
  /** Delay before the first retry (ms); doubles each failure up to 20 minutes. Default 10 s (env `WEBHOOK_RETRY_MIN_SECONDS`). */
  retryMinMs?: number;
  /** Pause between outbox polls when idle (ms). Lower means faster pick-up of rows queued by other processes. Default 1 s. */
  pollMs?: number;
  /** Rows claimed at once. Default 50. */
  batchSize?: number;
  /** Requests in flight at once. More lets one slow receiver delay others less. Default 8. */
  concurrency?: number;
  /** SSRF guard at delivery time (env `WEBHOOK_BLOCK_PRIVATE`). Default false. */
  blockPrivate?: boolean;
  /** Jitter source in [0, 1): retries spread by up to 10% so failed receivers are not hit in lockstep. Default Math.random. */
  random?: () => number;
  /** A pino-like logger. Default: silent. */
  logger?: DeliveryLogger;
  /** Hears what each pass of the running worker did (metrics). */
  onPass?: (stats: DeliveryRunStats) => void;
}

export interface DeliveryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What one pass over the outbox did. */
export interface DeliveryRunStats {
  claimed: number;
  delivered: number;
  /** Attempts that failed and will be retried. */
  retrying: number;
  /** Deliveries given up after 72 hours. */
  failed: number;
  /** Deliveries dropped because their subscription is paused or gone. */
  dropped: number;
  /** Subscriptions paused by this pass (3 days of failures). */
  paused: string[];
}

export interface DeliveryWorker {
  /** One pass: claim due rows, send them, record outcomes. */
  runOnce(): Promise<DeliveryRunStats>;
  /** Runs passes until `stop()`: at once, then whenever signalled or every `pollMs`. */
  start(): void;
  /** Stops after the pass in progress and closes connections. */
  stop(): Promise<void>;
}

/**
 * Delay before the next attempt after `attempts` failed ones (>= 1): `minMs` doubled
 * per earlier failure, capped at 20 minutes (reference §12.3). Pure.
 */
export function retryDelayMs(attempts: number, minMs: number): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(RETRY_MAX_MS, minMs * 2 ** exp);
}

/**
 * When the next attempt is due after a failure at `nowMs`, or null when the delivery
 * is to be given up (its 72 hours since `createdMs` are over). The last attempt is
 * placed at the end of the window. `jitter` in [0, 1) shortens the delay by up to 10%.
 */
export function nextAttemptAt(attempts: number, nowMs: number, createdMs: number, minMs: number, jitter = 0): number | null {
  const deadline = createdMs + RETRY_WINDOW_MS;
  if (nowMs >= deadline) return null;
  const delay = Math.round(retryDelayMs(attempts, minMs) * (1 - 0.1 * jitter));
  return Math.min(nowMs + delay, deadline);
}

const silent: DeliveryLogger = { info() {}, warn() {}, error() {} };

/** Builds a worker without starting it (tests drive `runOnce` with a pinned clock). */
export function createDeliveryWorker(db: Db, opts: DeliveryWorkerOptions = {}): DeliveryWorker {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retryMinMs = opts.retryMinMs ?? 10_000;
  const pollMs = opts.pollMs ?? 1_000;
  const batchSize = opts.batchSize ?? 50;
  const concurrency = opts.concurrency ?? 8;
  const blockPrivate = opts.blockPrivate ?? false;
  const random = opts.random ?? Math.random;
  const log = opts.logger ?? silent;
  // A lease outlives any attempt (timeout plus margin), so no other node takes the row meanwhile.
  const leaseMs = timeoutMs * 2 + 30_000;
  const workerId = `wrk_${process.pid}_${randomBase62(10)}`;

  const agentOptions = (verify: boolean) => ({
    connect: { rejectUnauthorized: verify, timeout: timeoutMs, ...(blockPrivate ? { lookup: guardedLookup } : {}) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const agents = { verify: new Agent(agentOptions(true)), noVerify: new Agent(agentOptions(false)) };

  /** Sends one delivery. @returns the HTTP status, or throws the transport error. */
  async function send(sub: WebhookSubscriptionRow, body: string, timestamp: string): Promise<number> {
    if (blockPrivate) {
      const host = new URL(sub.url).hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && isPrivateAddress(host)) throw new PrivateAddressError(host, host);
    }
    const res = await request(sub.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tasklane-Webhooks/1.0',
        'close-sig-hash': signatureHash(sub.signature_key, timestamp, body),
        'close-sig-timestamp': timestamp,
      },
      dispatcher: sub.verify_ssl ? agents.verify : agents.noVerify,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump().catch(() => undefined);
    return res.statusCode;
  }

  /** Records a failed attempt; may give the delivery up and pause its subscription. */
  async function settleFailure(
    d: WebhookDeliveryRow,
    sub: WebhookSubscriptionRow,
    status: number | null,
    error: string,
    stats: DeliveryRunStats,
  ): Promise<void> {
    const now = clock();
    const attempts = d.attempts + 1;
    const next = nextAttemptAt(attempts, now, Number(d.date_created), retryMinMs, random());
    await writeTransaction(db, async (trx) => {
      const settled = await settleDelivery(trx, d.id, workerId, {
        attempts,
        last_status: status,
        last_error: error.slice(0, 1000),
        date_updated: now,
        ...(next === null ? { state: DELIVERY_STATE.failed } : { next_attempt_at: next }),
      });
      if (!settled) return;
      if (next === null) stats.failed++;
      else stats.retrying++;
      // The 3-day rule: failing_since marks the first failure since the last success.
      const current = (await findSubscriptionsById(trx, [sub.id]))[0];
      if (!current || current.status !== 'active') return;
      const since = current.failing_since === null ? now : Number(current.failing_since);
      if (now - since >= PAUSE_AFTER_MS) {
        await updateSubscription(trx, sub.id, { status: 'paused', failing_since: null, date_updated: now });
        await dropPendingDeliveries(trx, sub.id, now, 'subscription paused after 3 days of failed deliveries');
        stats.paused.push(sub.id);
        // The rest of this pass's claims for it are dropped, not sent (see runOnce).
        sub.status = 'paused';
        log.warn({ subscription_id: sub.id, url: sub.url }, 'webhook subscription paused: every delivery failed for 3 days');
      } else if (current.failing_since === null) {
        await updateSubscription(trx, sub.id, { failing_since: now });
      }
    });
  }

  async function deliverOne(d: WebhookDeliveryRow, sub: WebhookSubscriptionRow | undefined, body: string | null, stats: DeliveryRunStats) {
    if (!sub || sub.status !== 'active' || body === null) {
      const now = clock();
      if (await settleDelivery(db.kysely, d.id, workerId, { state: DELIVERY_STATE.dropped, last_error: 'subscription paused or deleted', date_updated: now })) {
        stats.dropped++;
      }
      return;
    }
    const timestamp = String(Math.floor(clock() / 1000));
    let status: number | null = null;
    let error: string;
    try {
      status = await send(sub, body, timestamp);
      if (status >= 200 && status < 300) {
        const now = clock();
        await writeTransaction(db, async (trx) => {
          const ok = await settleDelivery(trx, d.id, workerId, {
            state: DELIVERY_STATE.delivered,
            attempts: d.attempts + 1,
            last_status: status,
            last_error: null,
            date_updated: now,
            date_delivered: now,
          });
          if (ok) stats.delivered++;
          if (sub.failing_since !== null) await updateSubscription(trx, sub.id, { failing_since: null });
        });
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      const cause = err.cause && err.cause !== err ? ` (${err.cause.code ?? ''}${err.cause.code ? ': ' : ''}${err.cause.message})` : '';
      error = `${err.code ?? err.name}: ${err.message}${cause}`;
    }
    log.info({ subscription_id: sub.id, event_id: d.event_id, attempt: d.attempts + 1, error }, 'webhook delivery failed');
    await settleFailure(d, sub, status, error, stats);
  }

  async function runOnce(): Promise<DeliveryRunStats> {
    const stats: DeliveryRunStats = { claimed: 0, delivered: 0, retrying: 0, failed: 0, dropped: 0, paused: [] };
    const now = clock();
    const claimed = await claimDueDeliveries(db.kysely, db.dialect, workerId, now, now + leaseMs, batchSize);
    stats.claimed = claimed.length;
    if (!claimed.length) return stats;
    const events = new Map((await findEventsById(db.kysely, [...new Set(claimed.map((d) => d.event_id))])).map((e) => [e.id, e]));
    const subs = new Map((await findSubscriptionsById(db.kysely, [...new Set(claimed.map((d) => d.subscription_id))])).map((s) => [s.id, s]));
    // One subscription's deliveries go one after another, oldest event first (a claim
    // comes back in no set order), so what a pass decides for a subscription (give a
    // delivery up, then pause) does not depend on which lane ran first; subscriptions
    // go in parallel.
    claimed.sort((a, b) => Number(a.date_created) - Number(b.date_created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const bySubscription = new Map<string, WebhookDeliveryRow[]>();
    for (const d of claimed) {
      const list = bySubscription.get(d.subscription_id);
      if (list) list.push(d);
      else bySubscription.set(d.subscription_id, [d]);
    }
    const groups = [...bySubscription.values()];
    const lane = async () => {
      for (let group = groups.shift(); group; group = groups.shift()) {
        for (const d of group) {
          const sub = subs.get(d.subscription_id);
          const ev = events.get(d.event_id);
          const body = sub && ev ? JSON.stringify({ event: eventJson(ev), subscription_id: sub.id }) : null;
          try {
            await deliverOne(d, sub, body, stats);
          } catch (e) {
            // A database error while settling: the lease runs out and the row goes again.
            log.error({ err: e, delivery_id: d.id }, 'webhook delivery could not be recorded');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, lane));
    return stats;
  }

  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let unsubscribe: (() => void) | null = null;

  function start(): void {
    if (running) return;
    running = true;
    unsubscribe = onOutboxSignal(() => wake?.());
    loop = (async () => {
      if (db.dialect === 'sqlite') {
        try {
          await releaseAllLeases(db.kysely);
        } catch (e) {
          log.error({ err: e }, 'could not release webhook delivery leases');
        }
      }
      while (running) {
        let full = false;
        try {
          const stats = await runOnce();
          full = stats.claimed === batchSize;
          if (stats.claimed) log.info({ ...stats }, 'webhook deliveries processed');
          opts.onPass?.(stats);
        } catch (e) {
          log.error({ err: e }, 'webhook delivery pass failed');
        }
        if (!running || full) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          // A signal comes from inside the writing transaction: look a moment later, after its commit.
          wake = () => setTimeout(done, 20);
        });
      }
    })();
  }

  async function stop(): Promise<void> {
    running = false;
    unsubscribe?.();
    wake?.();
    await loop;
    await Promise.all([agents.verify.close(), agents.noVerify.close()]);
  }

  return { runOnce, start, stop };
}

/** Builds a worker and starts it (what `tasklane serve` runs). */
export function startDeliveryWorker(db: Db, opts: DeliveryWorkerOptions = {}): DeliveryWorker {
  const w = createDeliveryWorker(db, opts);
  w.start();
  return w;
}
