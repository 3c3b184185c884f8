/**
 * HTTP conventions shared by every route: JSON bodies the way Close's framework reads
 * them (D4; reference §1.3), one error handler that writes Close's error shapes
 * (D26-D28), and Werkzeug's 404 for unknown URLs.
 */
import { STATUS_CODES, validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CloseError, NOT_FOUND_URL_TEXT } from '../close/errors.js';
import { RateLimitError, rateLimitHeaders } from './ratelimit.js';

/** Largest accepted body (D4): 1 MiB. A larger one answers 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have (issue 13, defect 2).
 * Close's bodies nest a few levels (a lead's contacts' phones: 4); a webhook filter
 * tree is the deepest (an `and` costs two levels, so about 15 `and`s, far more than
 * real filters use). Much deeper bodies would overflow the stack of whatever walks
 * them later (serializers, `JSON.stringify`), possibly after they were stored.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * What answers a NUL character in a string (issue 13): PostgreSQL cannot store one in
 * text, and no Close field has one; refused on every backend alike.
 */
export const NUL_TEXT = 'Text may not contain the NUL character (\\u0000).';

/**
 * The first fault of a JSON text's shape, or null: nesting deeper than
 * `MAX_JSON_DEPTH`, or an escaped NUL character (`NUL_TEXT`), found by one scan of the
 * text. (Its size is bounded by the body limit, each stored string by its schema's
 * `maxLength`, `src/schemas`.)
 */
export function jsonShapeFault(text: string): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) {
        if (text.startsWith('u0000', i + 1)) return NUL_TEXT;
        i++;
      }
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return `The body nests deeper than ${MAX_JSON_DEPTH} levels.`;
    } else if (c === 125 || c === 93) depth--;
  }
  return null;
}

const NOT_JSON_TEXT = "Please send valid JSON with a 'Content-Type: application/json' header.";
const INVALID_JSON_TEXT = 'The request contains invalid JSON.';
const NOT_DICT_TEXT = 'JSON data must be a dict.';

/**
 * Registers the body parsers (D4):
 * - `application/json` (any charset): an empty body is no body (the official Python
 *   client sends this content type on GET and DELETE too); invalid JSON, including
 *   `NaN`, answers 400; a top level that is not an object answers 400; nesting deeper
 *   than `MAX_JSON_DEPTH` answers 400 (issue 13), before any handler sees the body;
 * - any other content type with a body answers 400, in Close's words.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_req, text, done) => {
    const s = typeof text === 'string' ? text : text.toString('utf8');
    if (s.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      return done(CloseError.request(INVALID_JSON_TEXT), undefined);
    }
    // Checked on valid JSON only, so an unterminated string is "invalid JSON" as before.
    const fault = jsonShapeFault(s);
    if (fault) return done(CloseError.request(fault), undefined);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return done(CloseError.request(NOT_DICT_TEXT), undefined);
    }
    done(null, value);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_req, buf, done) => {
    if ((buf as Buffer).length === 0) return done(null, undefined);
    done(CloseError.request(NOT_JSON_TEXT), undefined);
  });
}

/**
 * Text made safe for an HTTP header value (issue 13, defect 1): every character
 * outside printable ASCII (`!`..`~`), and `%` and `,` (the list separator), as UTF-8
 * percent-escapes, so `\n` reads `%0A` and `你` reads `%E4%BD%A0`. Node refuses
 * control characters in headers, and characters above U+00FF cannot be sent at all.
 */
export function headerSafe(text: string): string {
  return text.replace(/[^!-~]|[%,]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate (possible in `_params` JSON): U+FFFD
    }
  });
}

/**
 * Drops every header value Node would refuse to send (a header set from request text
 * that no route made safe), so the response still goes out instead of failing while
 * it is sent, after the work was done (issue 13, defect 1). Registered as `onSend`.
 */
function dropUnsendableHeaders(request: FastifyRequest, reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue;
    try {
      for (const v of Array.isArray(value) ? value : [value]) validateHeaderValue(name, String(v));
    } catch {
      request.log.warn({ header: name }, 'dropped a header value that cannot be sent');
      reply.removeHeader(name);
    }
  }
}

/**
 * The one error handler (architecture note 5): `CloseError` as it says; Fastify's own
 * client errors (body too large, bad headers) as `{"error": ...}` with their 4xx;
 * anything else is our bug: logged, and answered 500 without details (D28).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    dropUnsendableHeaders(request, reply);
    return payload;
  });
  app.setErrorHandler((err: FastifyError | CloseError, request, reply) => {
    if (err instanceof CloseError) {
      // Every 429 (D31 buckets, failed authentication, organization concurrency) carries Close's headers.
      if (err instanceof RateLimitError) reply.headers({ ...rateLimitHeaders(err.state), 'Retry-After': String(err.retryAfter) });
      return reply.code(err.status).type('application/json; charset=utf-8').send(err.body);
    }
    const status = (err as FastifyError).statusCode;
    if (status === 413) return reply.code(413).send({ error: 'The request body is larger than 1 MiB.' });
    if (status === 415) return reply.code(400).send({ error: NOT_JSON_TEXT });
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'Internal server error.' });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: NOT_FOUND_URL_TEXT });
  });
}

/**
 * Fastify's own routing faults (a malformed URL, a path segment longer than the router
 * keeps) in Close's shape: `{"error": "..."}` with their 4xx (D26).
 * Passed as Fastify's `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const text = error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid.' : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A part of the URL is too long.' : 'The request is not valid.';
  void reply.code(status).send({ error: text });
}

/**
 * Answers what Node's HTTP parser refuses before any route sees it (an unknown method,
 * a bad Content-Length, headers too large) with Close's `{"error": "..."}` body, then
 * closes the connection, as Node does. Passed as Fastify's `clientErrorHandler`.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const text =
    status === 431 ? 'The request headers are too large.' : status === 408 ? 'The request took too long to arrive.' : 'The request is not valid HTTP.';
  // A HEAD request gets the headers alone: a body would read as garbage after them.
  const raw = (err as { rawPacket?: Buffer }).rawPacket;
  const head = raw !== undefined && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
  const body = JSON.stringify({ error: text });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  }
  socket.destroy(err);
}
