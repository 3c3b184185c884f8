/**
 * Cross-node notifications on PostgreSQL (LISTEN/NOTIFY), for caches that must drop
 * an entry at once when another node changes the data behind it (issue 11: a revoked
 * key answers 401 at once on every node).
 *
 * A listener holds one dedicated connection (outside the pool) and reconnects after
 * losing it; while it is not connected the caller is told so (`onState(false)`) and
 * must not trust its cache, since notifications sent meanwhile are lost.
 */
import pg from 'pg';

/** What a listener reports. */
export interface ListenHandlers {
  /** A notification arrived on the channel. */
  onMessage(): void;
  /** The listener is connected and LISTENing (true), or lost its connection (false). */
  onState(connected: boolean): void;
}

/** Stops a listener and closes its connection. */
export type StopListening = () => Promise<void>;

/** How long to wait before reconnecting a lost listener, ms. */
const RECONNECT_MS = 1000;

/**
 * LISTENs on `channel` (a plain identifier) of the PostgreSQL server at `url`.
 * Never throws for an unreachable server: it keeps retrying every second.
 */
export function listenPostgres(url: string, channel: string, handlers: ListenHandlers): StopListening {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (!stopped) timer = setTimeout(connect, RECONNECT_MS).unref();
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    c.on('notification', (m) => {
      if (m.channel === channel) handlers.onMessage();
    });
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      handlers.onState(false);
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch {
      c.end().catch(() => {});
      schedule();
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    handlers.onState(true);
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}
