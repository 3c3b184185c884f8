/**
 * Timeouts and caps of the HTTP server (issue 13, defect 6), each with its reason. A
 * client past one gets a 408 in Close's shape (`http.ts` `clientErrorHandler`) or a
 * closed socket; none of them applies to a request that is being answered, since the
 * API has no long-lived stream (the inbox page polls `/event/`).
 *
 * Every value is configurable (env, `config.ts`); the defaults suit one node serving
 * API clients directly or behind a load balancer.
 */
import type { Server } from 'node:http';

export interface ServerLimits {
  /**
   * Longest time to receive a whole request, headers and body, in ms (Node's
   * `requestTimeout`). A 1 MiB body needs well under a second on any real link; 30 s
   * leaves room for slow mobile clients while a client that drips its body a byte at a
   * time loses its connection (408) instead of holding it forever.
   */
  requestTimeoutMs: number;
  /** Longest time to receive the headers, in ms (Node's `headersTimeout`): they are a few KB. */
  headersTimeoutMs: number;
  /**
   * A socket with no traffic at all for this long is closed, in ms (Fastify's
   * `connectionTimeout`). Longer than the slowest answer (a bulk update of 1000 tasks
   * takes a few seconds) so it never cuts a response short.
   */
  idleTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open between requests, in ms. Load
   * balancers keep theirs for 60 s (AWS ALB) and must close first, or a request sent as
   * the server closes fails; 72 s is above the common 60 s.
   */
  keepAliveTimeoutMs: number;
  /** Requests one connection may carry before the server closes it, so one client cannot pin a connection (and its share of this node) forever. */
  maxRequestsPerSocket: number;
  /**
   * Most open connections; past it new ones are closed at once. Each costs a socket
   * and some memory: 1000 keeps a flood of idle connections from exhausting the
   * process's file descriptors (1024 by default on Linux, shared with the database).
   */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  maxRequestsPerSocket: 10_000,
  maxConnections: 1_000,
};

/** The Fastify constructor options that carry `limits`. */
export function fastifyLimitOptions(limits: ServerLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node checks the request and headers timeouts; its default (30 s)
      // would let a 30 s timeout run to 60 s.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 2)),
    },
  };
}

/** Applies what Fastify's options cannot carry (`maxConnections`) to the HTTP server. */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
}
