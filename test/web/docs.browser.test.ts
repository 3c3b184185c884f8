/**
 * The API reference page `/docs` (issue 11) in Chromium: it renders offline (every
 * request leaving the server is refused and recorded), under its strict
 * Content-Security-Policy (nothing refused but a style attribute of Swagger UI's), lists the task operations and shows an
 * answer's schema; a screenshot lands in `test/artifacts/web/docs.png`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchBrowser, startDemoServer, type PageServer } from '../support/browser.js';

let browser: Browser;
let server: PageServer;

before(async () => {
  server = await startDemoServer(Date.parse('2026-03-10T17:00:00Z'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('/docs renders the API reference offline, under its CSP, with the task operations', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const outside: string[] = [];
  await context.route(
    (u) => !u.href.startsWith(server.url),
    (route) => {
      outside.push(route.request().url());
      return route.abort();
    },
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  try {
    await page.goto(server.url + '/docs/');
    await page.locator('.swagger-ui .info .title').waitFor();
    assert.match(await page.locator('.swagger-ui .info .title').innerText(), /Tasklane: the Close Tasks API/);
    const listTask = page.locator('#operations-Tasks-listTask');
    await listTask.waitFor();
    for (const id of ['createTask', 'getTask', 'updateTask', 'bulkUpdateTask', 'deleteTask']) assert.equal(await page.locator(`#operations-Tasks-${id}`).count(), 1, id);
    // Open GET /task/{id}/ and its answer's schema: the Task union is shown.
    await page.locator('#operations-Tasks-getTask .opblock-summary').click();
    await page.locator('#operations-Tasks-getTask .responses-wrapper').waitFor();
    assert.match(await page.locator('#operations-Tasks-getTask .responses-wrapper').innerText(), /200/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png'), fullPage: false });
    // Swagger UI (React) sets a style attribute or two (e.g. `outline: none` on the
    // operations block); the CSP refuses them, as it has no 'unsafe-inline', and the
    // page renders without them (see the screenshot). Any other violation, a blocked
    // script above all, or a page error fails the test.
    assert.deepEqual(problems.filter((p) => !/^CSP: Applying inline style violates/.test(p)), []);
    assert.deepEqual(outside, [], 'the page asks no other host for anything');
  } finally {
    await context.close();
  }
});
