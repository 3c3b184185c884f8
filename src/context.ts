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
}
