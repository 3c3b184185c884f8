/**
 * How Tasklane serves the inbox page (issue 10, `src/server/web.ts`): `/` and its
 * hashed assets with the right cache headers, a strict Content-Security-Policy on the
 * page and not on the API, Close-shaped 4xx for bad asset paths, and a clear answer
 * when the page was never built. Needs `npm run build:web` (`npm test` runs it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { harness, type Harness } from '../support/helpers.js';
import { registerWebPage, WEB_DIST, WEB_NOT_BUILT_TEXT } from '../../src/server/web.js';
import { NOT_FOUND_URL_TEXT } from '../../src/close/errors.js';

let h: Harness;
let script: string;

before(async () => {
  assert.ok(existsSync(join(WEB_DIST, 'index.html')), `the page is not built in ${WEB_DIST}: run npm run build:web`);
  script = /src="(\/assets\/[^"]+\.js)"/.exec(readFileSync(join(WEB_DIST, 'index.html'), 'utf8'))![1];
  h = await harness();
});
after(() => h.close());

describe('serving the inbox page', () => {
  test('GET / answers the page, revalidated on every load, under a strict CSP', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.ok(r.headers.etag, 'an ETag to revalidate with');
    const csp = String(r.headers['content-security-policy']);
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https:", "media-src 'self' https:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"]) {
      assert.ok(csp.split(';').includes(d), `CSP has ${d}: ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(r.headers['strict-transport-security'], undefined, 'HSTS is left to the TLS proxy');
    assert.doesNotMatch(r.body, /<script>|<style>|style="/, 'no inline script or style in the built page');

    const again = await h.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.statusCode, 304);
  });

  test('hashed assets are cached for a year as immutable', async () => {
    const r = await h.app.inject({ method: 'GET', url: script });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /javascript/);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(r.headers['content-security-policy']);
  });

  test('unknown or malicious asset paths answer a 4xx in Close shape, never a file outside the build', async () => {
    for (const url of ['/assets/nope.js', '/assets/', '/assets/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/assets/.env', '/index.html', '/assets/%00']) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode}`);
      assert.equal(typeof JSON.parse(r.body).error, 'string', `${url}: ${r.body}`);
      assert.doesNotMatch(r.body, /"name": "tasklane"/);
    }
    const missing = await h.app.inject({ method: 'GET', url: '/assets/nope.js' });
    assert.deepEqual(JSON.parse(missing.body), { error: NOT_FOUND_URL_TEXT });
    const post = await h.app.inject({ method: 'POST', url: '/' });
    assert.equal(post.statusCode, 404);
    assert.deepEqual(JSON.parse(post.body), { error: NOT_FOUND_URL_TEXT });
  });

  test('the API keeps its own headers: no page CSP on /api/v1', async () => {
    const r = await h.req('GET', '/api/v1/me/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-security-policy'], undefined);
    assert.equal(r.headers['x-frame-options'], undefined);
  });

  test('a page that was never built answers 503 saying how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tasklane-noweb-'));
    const app = Fastify();
    try {
      await registerWebPage(app, empty);
      const r = await app.inject({ method: 'GET', url: '/' });
      assert.equal(r.statusCode, 503);
      assert.deepEqual(JSON.parse(r.body), { error: WEB_NOT_BUILT_TEXT });
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
