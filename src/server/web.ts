/**
 * The inbox page (issue 10): Tasklane serves the built front end of `web/` itself, so
 * one process answers the API and the page, with no CDN.
 *
 * - `GET /` answers `web/dist/index.html` with `Cache-Control: no-cache` (revalidated
 *   with its ETag on every load, so a new build is picked up at once).
 * - `GET /assets/*` answers Vite's content-hashed files as `public, max-age=31536000,
 *   immutable`: a new build gets new names, so a cached file never goes stale.
 * - Both carry a strict Content-Security-Policy (no inline scripts or styles, nothing
 *   from other origins but `https:` images and media, which SMS thumbnails and
 *   voicemail players need) and helmet's other security headers. API responses are
 *   not touched: the headers live in this plugin's own encapsulated scope.
 *
 * An unknown asset is the API's JSON 404; a page that was never built (`npm run
 * build:web`) answers 503 saying so, instead of a blank page.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:web` writes the page (`web/vite.config.ts`, `build.outDir`). */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Hashed assets never change under their name: a year, the longest value caches honour. */
const ASSET_MAX_AGE = '365d';

/**
 * The page's Content-Security-Policy. `'self'` only, except `img-src`/`media-src https:`:
 * MMS thumbnails and voicemail or call recordings live on the telephony provider's
 * servers. No `'unsafe-inline'` anywhere: the build has no inline script or style.
 */
export const WEB_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'https:'],
  mediaSrc: ["'self'", 'https:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  // Helmet adds upgrade-insecure-requests by default; on a plain-HTTP install it would
  // send the page's own asset requests to https:// and break the page.
  upgradeInsecureRequests: null,
};

/** The page's text when `web/dist` is missing, in Close's error shape. */
export const WEB_NOT_BUILT_TEXT = 'The inbox page is not built: run `npm run build:web` (npm install does it), then restart Tasklane.';

/**
 * Registers `/` and `/assets/*` on `app` from `dist` (default `web/dist`), in a scope
 * of their own so the security headers reach the page and not the API.
 */
export async function registerWebPage(app: FastifyInstance, dist: string = WEB_DIST): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: WEB_CSP_DIRECTIVES },
      // HSTS is the TLS-terminating proxy's decision; on plain HTTP it means nothing.
      strictTransportSecurity: false,
      frameguard: { action: 'deny' },
    });
    await scope.register(fastifyStatic, {
      root: join(dist, 'assets'),
      prefix: '/assets/',
      index: false,
      dotfiles: 'ignore',
      maxAge: ASSET_MAX_AGE,
      immutable: true,
      // The folder appears with the first build; until then `/` explains (503 below).
      suppressWarning: true,
    });
    scope.get('/', async (_request, reply) => {
      if (!existsSync(join(dist, 'index.html'))) {
        return reply.code(503).type('application/json; charset=utf-8').send({ error: WEB_NOT_BUILT_TEXT });
      }
      reply.header('Cache-Control', 'no-cache');
      return reply.sendFile('index.html', dist, { cacheControl: false });
    });
  });
}
