/**
 * Where D31's token buckets live (issue 11). With several nodes they must be shared,
 * or N nodes grant N times the rate:
 * - `RedisBucketStore`: in Redis (`REDIS_URL`), one atomic Lua script per request;
 * - `DatabaseBucketStore`: in the database (`db/ratelimit.repo.ts`), one atomic upsert;
 * - `MemoryBucketStore`: in this process (one node, tests);
 * - `FallbackBucketStore`: Redis while it answers, else the database, so a node keeps
 *   serving when Redis goes away (logged once per outage).
 * Every store applies the same rule: a bucket of `capacity` tokens refills at
 * `capacity` per window, a take is granted when a whole token is left.
 */
import { Redis } from 'ioredis';
import type { Db } from '../db/connect.js';
import { deleteIdleBuckets, takeBucketTokens, type BucketResult, type BucketTake } from '../db/ratelimit.repo.js';

export type { BucketResult, BucketTake };

/** A place to keep buckets. */
export interface BucketStore {
  /** Which store answered, for logs and metrics: `memory`, `database` or `redis`. */
  readonly name: string;
  /**
   * Takes one token from each bucket (in the order given) at `nowMs`.
   * @returns one result per take, in order.
   * @throws when the store cannot be reached (the fallback store catches it).
   */
  take(takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]>;
  close(): Promise<void>;
}

/** Buckets not touched for this long are forgotten (they would be full again anyway). */
export const IDLE_FORGET_MS = 10 * 60_000;

/**
 * The tokens of a bucket of `capacity` that refills in `windowMs`, at `nowMs`, from its
 * remembered state (a full bucket when there is none). D31's rule, also used by the
 * failed-authentication limit (`authlimit.ts`).
 */
export function refilledTokens(state: { tokens: number; at: number } | undefined, capacity: number, nowMs: number, windowMs: number): number {
  return state ? Math.min(capacity, state.tokens + Math.max(0, nowMs - state.at) * (capacity / windowMs)) : capacity;
}

/** The bucket rule on a remembered state: refill, then take a token if a whole one is left. */
function takeOne(state: { tokens: number; at: number } | undefined, capacity: number, nowMs: number, windowMs: number) {
  const tokens = refilledTokens(state, capacity, nowMs, windowMs);
  const granted = tokens >= 1;
  return { granted, tokens: granted ? tokens - 1 : tokens };
}

/** Buckets in this process's memory. */
export class MemoryBucketStore implements BucketStore {
  readonly name = 'memory';
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  async take(takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]> {
    if (nowMs - this.lastSweep > IDLE_FORGET_MS) {
      this.lastSweep = nowMs;
      for (const [k, b] of this.buckets) if (nowMs - b.at > IDLE_FORGET_MS) this.buckets.delete(k);
    }
    return takes.map((t) => {
      const r = takeOne(this.buckets.get(t.key), t.capacity, nowMs, windowMs);
      this.buckets.set(t.key, { tokens: r.tokens, at: nowMs });
      return r;
    });
  }

  async close(): Promise<void> {}
}

/** Buckets in the database's `rate_limit_buckets` table, shared by every node on it. */
export class DatabaseBucketStore implements BucketStore {
  readonly name = 'database';
  private lastSweep = 0;

  constructor(private readonly db: Db) {}

  async take(takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]> {
    if (nowMs - this.lastSweep > IDLE_FORGET_MS) {
      this.lastSweep = nowMs;
      await deleteIdleBuckets(this.db.kysely, nowMs - IDLE_FORGET_MS);
    }
    return takeBucketTokens(this.db.kysely, takes, nowMs, windowMs);
  }

  async close(): Promise<void> {}
}

/** KEYS: buckets; ARGV: now ms, window ms, then one capacity per key. Returns granted, tokens pairs. */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[i + 2])
  local state = redis.call('HMGET', key, 't', 'a')
  local tokens = capacity
  if state[1] then
    local elapsed = now - tonumber(state[2])
    if elapsed < 0 then elapsed = 0 end
    tokens = math.min(capacity, tonumber(state[1]) + elapsed * capacity / window)
  end
  local granted = 0
  if tokens >= 1 then
    tokens = tokens - 1
    granted = 1
  end
  local text = string.format('%.17g', tokens)
  redis.call('HSET', key, 't', text, 'a', ARGV[1])
  redis.call('PEXPIRE', key, ${IDLE_FORGET_MS})
  out[2 * i - 1] = granted
  out[2 * i] = text
end
return out
`;

type ScriptedRedis = Redis & { tasklaneTake(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[]> };

/** Buckets in Redis under `tasklane:rl:`, shared by every node using that Redis. */
export class RedisBucketStore implements BucketStore {
  readonly name = 'redis';
  readonly redis: ScriptedRedis;

  /**
   * Connects to `url` (`redis://[:password@]host:port[/db]`). Never throws for an
   * unreachable server: commands fail at once while it is down (no offline queue)
   * and the client keeps reconnecting; `onError` hears connection errors.
   */
  constructor(url: string, onError: (err: Error) => void = () => {}) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }) as ScriptedRedis;
    this.redis.on('error', onError);
    this.redis.defineCommand('tasklaneTake', { lua: TAKE_SCRIPT });
  }

  /** Resolves when connected, or after `timeoutMs` (false) when Redis does not answer. */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const onReady = () => done(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      this.redis.once('ready', onReady);
    });
  }

  async take(takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]> {
    const out = await this.redis.tasklaneTake(takes.length, ...takes.map((t) => `tasklane:rl:${t.key}`), nowMs, windowMs, ...takes.map((t) => t.capacity));
    return takes.map((_, i) => ({ granted: Number(out[2 * i]) === 1, tokens: Number(out[2 * i + 1]) }));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** What the fallback store logs with. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** After a failure of the primary store, how long requests go straight to the fallback, ms. */
const RETRY_PRIMARY_MS = 2000;

/**
 * The primary store (Redis) while it answers; the fallback (the database) while it does
 * not. The switch is logged once each way; requests never fail for Redis.
 */
export class FallbackBucketStore implements BucketStore {
  private down = false;
  private retryAt = 0;
  /** Which store answered the last take. */
  name: string;

  constructor(
    private readonly primary: BucketStore,
    private readonly fallback: BucketStore,
    private readonly log: StoreLogger,
  ) {
    this.name = primary.name;
  }

  async take(takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]> {
    const wall = performance.now();
    if (!this.down || wall >= this.retryAt) {
      try {
        const r = await this.primary.take(takes, nowMs, windowMs);
        if (this.down) this.log.info({ store: this.primary.name }, `rate limits: ${this.primary.name} answers again; buckets are kept there`);
        this.down = false;
        this.name = this.primary.name;
        return r;
      } catch (err) {
        if (!this.down) this.log.warn({ err, store: this.primary.name }, `rate limits: ${this.primary.name} unreachable; buckets are kept in the ${this.fallback.name} until it answers`);
        this.down = true;
        this.retryAt = wall + RETRY_PRIMARY_MS;
      }
    }
    this.name = this.fallback.name;
    return this.fallback.take(takes, nowMs, windowMs);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }
}
