/**
 * What every Close-semantics function needs to know about the request it serves:
 * the database, who is asking (organization, user, API key), the request's zone
 * (D16) and the clock. Time is injected so every rule about "today" can be pinned
 * in tests (brief: "Time is injected").
 */
import type { Db } from './db/connect.js';
import type { RequestZone } from './close/zone.js';

/** A clock: milliseconds since the epoch, UTC. */
export type Clock = () => number;

/** The system clock. */
export const systemClock: Clock = () => Date.now();

export interface RequestContext {
  db: Db;
  organizationId: string;
  userId: string;
  /** The API key used, or null for other credentials. */
  apiKeyId: string | null;
  zone: RequestZone;
  now: Clock;
  /**
   * The HTTP request behind this call, for the event log (reference §12.1: `request_id`,
   * `meta.request_method`, `meta.request_path`). `requestId` is Close's `req_` + 22
   * base62; `requestMethod` the effective method (after `X-HTTP-Method-Override`);
   * `requestPath` the URL path without its query string. All null for CLI and system
   * callers.
   */
  requestId: string | null;
  requestMethod: string | null;
  requestPath: string | null;
}
