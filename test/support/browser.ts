/**
 * Browser-test harness for the inbox page (issue 10): Debian's Chromium driven by
 * playwright-core, against the real Tasklane app listening on a loopback port, on a
 * fresh SQLite file holding the demo (`buildDemo`) built at a pinned instant.
 *
 * Clocks: the server's clock starts at that instant and ticks (rate limits refill,
 * events get later stamps), the page's `Date` is fixed at it, so "today" is the same
 * day on both sides for the whole test.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import axe from 'axe-core';
import { buildDemo, type DemoResult, type DemoUser } from '../../src/cli/demo.js';
import { openDb, type Db } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { WEB_DIST } from '../../src/server/web.js';
import { basic, freshDatabase } from './helpers.js';

/** The browser: `CHROMIUM_PATH`, else Debian's package (`apt-get install chromium`). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags known to work headless in containers: no sandbox (no user namespaces), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots go (gitignored): open them after `npm test`. */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts', 'web');

/** Why the browser suite cannot run here, or null when it can. */
export function browserSuiteBlocker(): string | null {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (!existsSync(join(WEB_DIST, 'index.html'))) return `the page is not built (${WEB_DIST}): run npm run build:web`;
  return null;
}

/** Starts Chromium; Playwright gives each launch a fresh temporary profile (`--user-data-dir`). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface PageServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  db: Db;
  demo: DemoResult;
  ann: DemoUser;
  kenji: DemoUser;
  /** The instant the demo was built at and the page's clock is fixed at (ms). */
  now: number;
  /** Calls the API as `user` (Basic auth), answering status and JSON. */
  api(user: DemoUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Builds the demo at `now` on a fresh SQLite file and serves it on a loopback port. */
export async function startDemoServer(now: number): Promise<PageServer> {
  const fresh = await freshDatabase('sqlite');
  const demo = await buildDemo(fresh.url, now);
  const db = await openDb(fresh.url);
  const offset = now - Date.now();
  const app = await buildApp({ db, clock: () => Date.now() + offset });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const [ann, kenji] = demo.users;
  return {
    url,
    db,
    demo,
    ann,
    kenji,
    now,
    async api(user, method, path, body) {
      const res = await fetch(url + '/api/v1' + path, {
        method,
        headers: { authorization: basic(user.api_key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await app.close();
      await db.close();
      await fresh.drop();
    },
  };
}

/** A small picture for the demo's MMS thumbnail (the demo's media host is not reachable from tests). */
const STUB_IMAGE =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" fill="#cfe3d6"/><circle cx="42" cy="44" r="14" fill="#f5d06f"/><path d="M0 120 L44 70 L72 98 L90 80 L120 110 V120 Z" fill="#5f9a72"/></svg>';

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and uncaught page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A new browser context on the server's page, its clock fixed at `server.now`.
 * Requests leaving the machine are answered locally: images with a stub picture,
 * anything else 404, so no test depends on the network.
 */
export async function openPage(browser: Browser, server: PageServer, viewport = { width: 1280, height: 900 }): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
  await context.clock.setFixedTime(server.now);
  await context.route(
    (u) => !u.href.startsWith(server.url),
    (route) => (route.request().resourceType() === 'image' ? route.fulfill({ status: 200, contentType: 'image/svg+xml', body: STUB_IMAGE }) : route.fulfill({ status: 404, body: '' })),
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(server.url + '/');
  return { context, page, problems, close: () => context.close() };
}

/** Signs in with `key` through the form and waits for the signed-in page. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tablist', { name: 'Task views' }).waitFor();
  await page.locator('#panel[aria-busy="false"]').waitFor();
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Saves a full-page screenshot under `test/artifacts/web/NAME.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
