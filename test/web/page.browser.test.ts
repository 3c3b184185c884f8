/**
 * The inbox page in a real browser (issue 10): Debian's Chromium, headless, through
 * playwright-core, on the real app serving the demo (Ann in Los Angeles, Kenji in
 * Tokyo). Each test gets a demo database of its own, built at NOW: Tuesday 2026-03-10
 * 20:00 UTC, which is 13:00 on the 10th for Ann and 05:00 on the 11th for Kenji.
 *
 * `test/run-backends.mjs` runs this file once (not once per database backend).
 * Screenshots of each tab land in `test/artifacts/web/`.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { browserSuiteBlocker, launchBrowser, openPage, screenshot, seriousAxeViolations, signIn, startDemoServer, type OpenPage, type PageServer } from '../support/browser.js';

const NOW = Date.parse('2026-03-10T20:00:00Z');

let browser: Browser;
let server: PageServer;
let open: OpenPage[] = [];

/** A fresh page on this test's server (closed after the test). */
async function newPage(viewport?: { width: number; height: number }): Promise<Page> {
  const p = await openPage(browser, server, viewport);
  open.push(p);
  return p.page;
}

/** The row of the task titled `title` (exact). */
function row(page: Page, title: string): Locator {
  return page.locator('li.task', { has: page.getByRole('heading', { name: title, exact: true }) });
}

/** A tab's count as shown. */
async function tabCount(page: Page, view: string): Promise<number> {
  return Number(await page.locator(`#tab-${view} .count`).innerText());
}

/** Waits until the list is loaded (no request of the panel in flight). */
async function settled(page: Page): Promise<void> {
  await page.locator('#panel[aria-busy="false"]').waitFor();
}

/** Every task id of a view through the API, in the server's order (paged like the page counts). */
async function apiIds(user: PageServer['ann'], query: string): Promise<string[]> {
  const ids: string[] = [];
  for (let skip = 0; ; skip += 1000) {
    const r = await server.api(user, 'GET', `/task/?${query}&_fields=id&_limit=1000&_skip=${skip}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(...r.body.data.map((t: { id: string }) => t.id));
    if (!r.body.has_more) return ids;
  }
}

/** Ids of the rows on the page, top to bottom. */
async function pageIds(page: Page): Promise<string[]> {
  return (await page.locator('li.task').evaluateAll((els) => els.map((e) => e.id))).map((id) => id.replace(/^task-/, ''));
}

before(async () => {
  const blocker = browserSuiteBlocker();
  if (blocker) throw new Error(`The browser tests cannot run: ${blocker}.`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  server = await startDemoServer(NOW);
});

afterEach(async () => {
  const problems = open.flatMap((p) => p.problems);
  for (const p of open) await p.close();
  open = [];
  await server.close();
  assert.deepEqual(problems, [], 'no Content-Security-Policy violation and no uncaught error in the page');
});

describe('the inbox page', () => {
  test('signs in with an API key, shows who is signed in, survives a reload, signs out', async () => {
    const page = await newPage();
    await page.getByLabel('API key').fill('api_NotAKeyAnyoneHas');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'could not verify that you are authorized' }).waitFor();

    await signIn(page, server.ann.api_key);
    const header = page.locator('header');
    await header.getByText('Ann Lee').waitFor();
    await header.getByText('ann@demo.tasklane.dev').waitFor();
    await header.getByText('America/Los_Angeles').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('tasklane.apiKey')), server.ann.api_key);

    await page.reload();
    await page.getByRole('tablist', { name: 'Task views' }).waitFor();
    await header.getByText('Ann Lee').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('tasklane.apiKey')), null);
  });

  test("shows the demo's inbox by day, in the server's order, with each type's details", async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const mine = `_type=all&assigned_to=${server.ann.id}`;
    assert.deepEqual(await pageIds(page), await apiIds(server.ann, `view=inbox&${mine}`), "the Inbox lists Ann's tasks in the server's order");
    for (const view of ['inbox', 'future', 'archive']) {
      assert.equal(await tabCount(page, view), (await apiIds(server.ann, `view=${view}&${mine}`)).length, `${view} count`);
    }
    assert.deepEqual(await page.locator('.group-title').evaluateAll((hs) => hs.map((h) => h.firstChild!.textContent!.trim())), ['Overdue', 'Today']);
    await row(page, 'Follow up with Michael Bluth about the proposal').getByText('Mon, Mar 9').waitFor();
    await row(page, 'Call Michael Bluth').getByText('3:00 PM').waitFor();
    await screenshot(page, 'inbox');

    const missed = row(page, 'Missed call from Michael Bluth');
    await missed.getByRole('link', { name: '+1 415-555-0134' }).waitFor();
    await missed.getByText('San Francisco, CA').waitFor();
    await missed.getByRole('link', { name: 'Bluth Company' }).waitFor();
    const email = row(page, 'Re: Quarterly metrics');
    await email.getByText('2 emails').waitFor();
    await email.getByText('we need the numbers by Friday').waitFor();
    const opportunity = row(page, 'Opportunity due: $1,300');
    await opportunity.getByText('Renewal, two-year term').waitFor();
    await opportunity.getByText('0% confidence').waitFor();

    // Kenji's voicemail and SMS, seen by Ann with the "Everyone" filter.
    await page.getByLabel('Assigned to').selectOption('everyone');
    await settled(page);
    const voicemail = page.locator('li.task.type-voicemail', { hasText: '+1 631-423-8017' }).filter({ hasText: 'Kenji Sato' });
    assert.equal(await voicemail.locator('audio').getAttribute('src'), 'https://recordings.demo.tasklane.dev/voicemail-1.mp3');
    await voicemail.getByText('0:21 voicemail').waitFor();
    await screenshot(page, 'inbox-everyone');
    // Pam's SMS to Kenji is dated its day in Tokyo, the 11th: Future for Ann.
    await page.getByRole('tab', { name: /Future/ }).click();
    await settled(page);
    const sms = row(page, 'Text from Pam Beesly');
    await sms.getByText('Got your email. Can we talk tomorrow morning?').waitFor();
    const thumb = sms.getByRole('img', { name: 'photo-1.png' });
    assert.equal(await thumb.getAttribute('src'), 'https://media.demo.tasklane.dev/mms/photo-1.png');
    assert.ok(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the thumbnail loads under the page CSP');
    await sms.getByText('Kenji Sato').waitFor();
    await screenshot(page, 'future-everyone');
  });

  test('completes a task, finds it in the Archive, and reopens it', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const inbox = await tabCount(page, 'inbox');
    const archive = await tabCount(page, 'archive');
    const title = 'Send pricing to Bluth Company';
    const id = (await row(page, title).getAttribute('id'))!.replace('task-', '');
    await row(page, title).getByRole('button', { name: /^Done/ }).click();
    await page.getByRole('status').filter({ hasText: `Completed “${title}”` }).waitFor();
    await row(page, title).waitFor({ state: 'detached' });
    await page.locator('#tab-inbox .count', { hasText: String(inbox - 1) }).waitFor();
    await page.locator('#tab-archive .count', { hasText: String(archive + 1) }).waitFor();
    assert.equal((await server.api(server.ann, 'GET', `/task/${id}/`)).body.is_complete, true);

    await page.getByRole('tab', { name: /Archive/ }).click();
    await settled(page);
    assert.equal(await page.getByRole('tab', { name: /Archive/ }).getAttribute('aria-selected'), 'true');
    await row(page, title).getByRole('button', { name: /^Reopen/ }).waitFor();
    await screenshot(page, 'archive');
    await row(page, title).getByRole('button', { name: /^Reopen/ }).click();
    await page.getByRole('status').filter({ hasText: `Reopened “${title}”; it is back in the Inbox.` }).waitFor();
    await row(page, title).waitFor({ state: 'detached' });
    assert.equal((await server.api(server.ann, 'GET', `/task/${id}/`)).body.is_complete, false);
    await page.getByRole('tab', { name: /Inbox/ }).click();
    await row(page, title).waitFor();
  });

  test('snoozes a task into Future, to tomorrow and to a picked date', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const first = 'Call Michael Bluth';
    const id = (await row(page, first).getAttribute('id'))!.replace('task-', '');
    await row(page, first).getByRole('button', { name: /^Snooze/ }).click();
    await page.getByRole('group', { name: `Snooze “${first}”` }).getByRole('button', { name: /Tomorrow/ }).click();
    await page.getByRole('status').filter({ hasText: `Snoozed “${first}” to tomorrow (Wed, Mar 11): it is in Future now.` }).waitFor();
    await row(page, first).waitFor({ state: 'detached' });
    assert.equal((await server.api(server.ann, 'GET', `/task/${id}/`)).body.date, '2026-03-11', "tomorrow in Ann's zone, as a date");

    const second = 'Call Joseph Takagi';
    const id2 = (await row(page, second).getAttribute('id'))!.replace('task-', '');
    await row(page, second).getByRole('button', { name: /^Snooze/ }).click();
    const menu = page.getByRole('group', { name: `Snooze “${second}”` });
    await menu.getByLabel('Pick a date').fill('2026-03-20');
    await menu.getByRole('button', { name: 'Snooze', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Snoozed “${second}” to Fri, Mar 20: it is in Future now.` }).waitFor();
    await row(page, second).waitFor({ state: 'detached' });
    assert.equal((await server.api(server.ann, 'GET', `/task/${id2}/`)).body.date, '2026-03-20');

    await page.getByRole('tab', { name: /Future/ }).click();
    await settled(page);
    const tomorrow = page.locator('section.group', { has: page.getByRole('heading', { name: /^Tomorrow/ }) });
    await tomorrow.locator('li.task', { hasText: first }).waitFor();
    const later = page.locator('section.group', { has: page.getByRole('heading', { name: /^Fri, Mar 20/ }) });
    await later.locator('li.task', { hasText: second }).waitFor();
    await screenshot(page, 'future');
  });

  test("reassigns a task to a colleague, whose open page shows it without a reload", async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const kenji = await newPage();
    await signIn(kenji, server.kenji.api_key);
    const title = 'Send pricing to Nakatomi Trading';
    await row(kenji, title).waitFor({ state: 'detached' });
    const id = (await row(page, title).getAttribute('id'))!.replace('task-', '');
    await row(page, title).getByRole('button', { name: /^Assign/ }).click();
    await page.getByRole('group', { name: `Assign “${title}” to` }).getByRole('button', { name: /Kenji Sato/ }).click();
    await page.getByRole('status').filter({ hasText: `Assigned “${title}” to Kenji Sato.` }).waitFor();
    await row(page, title).waitFor({ state: 'detached' });
    const task = (await server.api(server.ann, 'GET', `/task/${id}/`)).body;
    assert.equal(task.assigned_to, server.kenji.id);
    // Kenji's inbox (his tasks, in Tokyo) gets it within 5 s, marked New.
    await row(kenji, title).getByText('New', { exact: true }).waitFor({ timeout: 5000 });
    await page.getByLabel('Assigned to').selectOption(server.kenji.id);
    await row(page, title).waitFor();
  });

  test('bulk-completes two tasks of different types with one PUT /task/?id__in=...', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const titles = ['Send pricing to Bluth Company', 'Missed call from Michael Bluth'];
    const ids: string[] = [];
    for (const t of titles) {
      await row(page, t).getByRole('checkbox').check();
      ids.push((await row(page, t).getAttribute('id'))!.replace('task-', ''));
    }
    const puts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts.push(decodeURIComponent(r.url().replace(server.url, '')));
    });
    const bar = page.getByRole('region', { name: 'Selected tasks' });
    await bar.getByText('2 selected').waitFor();
    await screenshot(page, 'inbox-two-selected');
    await bar.getByRole('button', { name: 'Complete' }).click();
    await page.getByRole('status').filter({ hasText: 'Completed 2 tasks.' }).waitFor();
    for (const t of titles) await row(page, t).waitFor({ state: 'detached' });
    assert.equal(puts.length, 1, `one request: ${puts.join(' ')}`);
    assert.match(puts[0], /^\/api\/v1\/task\/\?id__in=[^&]+&_type=all$/);
    assert.deepEqual(new Set(new URLSearchParams(puts[0].split('?')[1]).get('id__in')!.split(',')), new Set(ids));
    for (const id of ids) assert.equal((await server.api(server.ann, 'GET', `/task/${id}/`)).body.is_complete, true);

    // Bulk reassignment: two more, to Kenji, in one request again.
    const more = ['Call Michael Bluth', 'Call Joseph Takagi'];
    for (const t of more) await row(page, t).getByRole('checkbox').check();
    await bar.getByLabel('Assign the selected tasks to').selectOption(server.kenji.id);
    await bar.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned to Kenji Sato: 2 tasks.' }).waitFor();
    for (const t of more) await row(page, t).waitFor({ state: 'detached' });
    assert.equal(puts.length, 2);
  });

  test('a missed call logged through the API appears within 5 s, without a reload', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const before = await tabCount(page, 'inbox');
    const started = Date.now();
    const call = await server.api(server.ann, 'POST', '/activity/call/', { direction: 'inbound', status: 'no-answer', phone: '(570) 555-0187', local_phone: '+1 415 555 0100' });
    assert.equal(call.status, 200, JSON.stringify(call.body));
    const arrived = row(page, 'Missed call from Pam Beesly');
    await arrived.waitFor({ timeout: 5000 });
    const took = Date.now() - started;
    await arrived.getByText('New', { exact: true }).waitFor();
    await page.locator('#tab-inbox .count', { hasText: String(before + 1) }).waitFor({ timeout: 2000 });
    assert.equal(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere), true, 'the page was not reloaded');
    assert.ok(took < 5000, `appeared after ${took} ms`);
  });

  test('a user in another time zone sees a different Inbox/Future split of the same tasks', async () => {
    const ann = await newPage();
    const kenji = await newPage();
    await signIn(ann, server.ann.api_key);
    await signIn(kenji, server.kenji.api_key);
    await kenji.locator('header').getByText('Asia/Tokyo').waitFor();
    for (const p of [ann, kenji]) {
      await p.getByLabel('Assigned to').selectOption('everyone');
      await settled(p);
    }
    const counts = async (p: Page) => ({ inbox: await tabCount(p, 'inbox'), future: await tabCount(p, 'future') });
    const a = await counts(ann);
    const k = await counts(kenji);
    assert.equal(a.inbox + a.future, k.inbox + k.future, 'the same open tasks');
    assert.ok(k.inbox > a.inbox, `Kenji's day has begun on the 11th: ${JSON.stringify({ a, k })}`);
    assert.equal(a.inbox, (await apiIds(server.ann, 'view=inbox&_type=all')).length);
    assert.equal(k.inbox, (await apiIds(server.kenji, 'view=inbox&_type=all')).length);

    // Dated 2026-03-11: today for Kenji, tomorrow (Future) for Ann.
    const title = 'Send pricing to Dunder Mifflin';
    await kenji.locator('section.group-today').locator('li.task', { hasText: title }).waitFor();
    await row(ann, title).waitFor({ state: 'detached' });
    await ann.getByRole('tab', { name: /Future/ }).click();
    await settled(ann);
    await ann.locator('section.group', { has: ann.getByRole('heading', { name: /^Tomorrow/ }) }).locator('li.task', { hasText: title }).waitFor();
    await screenshot(kenji, 'inbox-kenji-tokyo');
  });

  test('fits a 375 px phone screen without sideways scrolling', async () => {
    const page = await newPage({ width: 375, height: 812 });
    await signIn(page, server.ann.api_key);
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    for (const view of ['Inbox', 'Future', 'Archive']) {
      await page.getByRole('tab', { name: new RegExp(view) }).click();
      await settled(page);
      assert.ok((await width()) <= 375, `${view}: scrollWidth ${await width()}`);
      await screenshot(page, `phone-${view.toLowerCase()}`);
    }
    await page.getByRole('tab', { name: /Inbox/ }).click();
    await settled(page);
    const title = 'Call Michael Bluth';
    await row(page, title).getByRole('button', { name: /^Snooze/ }).click();
    const menu = page.getByRole('group', { name: `Snooze “${title}”` });
    const box = (await menu.boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= 375, `the snooze menu stays on screen: ${JSON.stringify(box)}`);
    assert.ok((await width()) <= 375);
    await page.getByRole('button', { name: 'New task' }).click();
    assert.ok((await width()) <= 375);
    assert.ok(((await page.getByRole('dialog', { name: 'New task' }).boundingBox())!.width) <= 375);
  });

  test('has no serious or critical axe-core violation on any tab, menu or dialog', async () => {
    const page = await newPage();
    assert.deepEqual(await seriousAxeViolations(page), [], 'sign-in form');
    await signIn(page, server.ann.api_key);
    await page.getByLabel('Assigned to').selectOption('everyone');
    await settled(page);
    for (const view of ['Inbox', 'Future', 'Archive']) {
      await page.getByRole('tab', { name: new RegExp(view) }).click();
      await settled(page);
      assert.deepEqual(await seriousAxeViolations(page), [], view);
    }
    await page.getByRole('tab', { name: /Inbox/ }).click();
    await settled(page);
    await page.locator('li.task').first().getByRole('checkbox').check();
    await page.locator('li.task').nth(1).getByRole('button', { name: /^Snooze/ }).click();
    assert.deepEqual(await seriousAxeViolations(page), [], 'bulk bar and snooze menu');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Lead').fill('Blu');
    await page.getByRole('radio', { name: 'Bluth Company' }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'new task dialog');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'shortcuts dialog');
  });

  test("a refused action shows the server's error in words", async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Lead').fill('Dunder');
    await dialog.getByRole('radio', { name: 'Dunder Mifflin' }).check();
    await dialog.getByLabel('Task').fill('Send the contract');
    // A colleague deletes the lead meanwhile; the server refuses the task.
    const lead = (await server.api(server.ann, 'GET', '/lead/?query=Dunder&_fields=id')).body.data[0].id;
    assert.equal((await server.api(server.kenji, 'DELETE', `/lead/${lead}/`)).status, 200);
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'lead: Object does not exist.' }).waitFor();
    await screenshot(page, 'refused');
  });

  test('creates a task on a lead found by name, and edits its text', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Lead').fill('nakat');
    await dialog.getByRole('radio', { name: 'Nakatomi Trading' }).check();
    await dialog.getByLabel('Task').fill('Send the renewal contract');
    assert.equal(await dialog.getByLabel('Date').inputValue(), '2026-03-10', "today in Ann's zone");
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('status').filter({ hasText: 'Created “Send the renewal contract” on Nakatomi Trading.' }).waitFor();
    await page.locator('section.group-today').locator('li.task', { hasText: 'Send the renewal contract' }).waitFor();
    const id = (await row(page, 'Send the renewal contract').getAttribute('id'))!.replace('task-', '');
    const created = (await server.api(server.ann, 'GET', `/task/${id}/`)).body;
    assert.equal(created.lead_name, 'Nakatomi Trading');
    assert.equal(created.date, '2026-03-10');

    await row(page, 'Send the renewal contract').getByRole('button', { name: /^Edit/ }).click();
    const input = page.getByLabel('Task text');
    await input.fill('Send the two-year renewal contract');
    await input.press('Enter');
    await row(page, 'Send the two-year renewal contract').waitFor();
    assert.equal((await server.api(server.ann, 'GET', `/task/${id}/`)).body.text, 'Send the two-year renewal contract');
    await page.waitForFunction((want) => document.activeElement?.id === want, `task-${id}`);
  });

  test("filters by type and assignee, and a lead's link lists its tasks", async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    await page.getByLabel('Type').selectOption('missed_call');
    await settled(page);
    assert.deepEqual(await pageIds(page), await apiIds(server.ann, `view=inbox&_type=missed_call&assigned_to=${server.ann.id}`));
    assert.equal(await page.locator('li.task:not(.type-missed_call)').count(), 0);
    await page.getByLabel('Assigned to').selectOption('everyone');
    await settled(page);
    assert.deepEqual(await pageIds(page), await apiIds(server.ann, 'view=inbox&_type=missed_call'));
    assert.equal(new URL(page.url()).hash, '#type=missed_call&assignee=everyone');

    await page.getByLabel('Type').selectOption('all');
    await settled(page);
    await row(page, 'Call Michael Bluth').getByRole('link', { name: 'Bluth Company' }).click();
    await page.getByText('Lead: Bluth Company').waitFor();
    await settled(page);
    const lead = (await server.api(server.ann, 'GET', '/lead/?query=Bluth&_fields=id')).body.data[0].id;
    assert.deepEqual(await pageIds(page), await apiIds(server.ann, `view=inbox&_type=all&lead_id=${lead}`));
    await page.getByRole('button', { name: "Show every lead's tasks" }).click();
    await page.getByText('Lead: Bluth Company').waitFor({ state: 'detached' });
  });

  test('works from the keyboard: j/k/x/e/s/? and Tab with a visible focus', async () => {
    const page = await newPage();
    await signIn(page, server.ann.api_key);
    const ids = await pageIds(page);
    const focusedRow = () => page.evaluate(() => document.activeElement?.closest('li.task')?.id.replace('task-', '') ?? null);
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('j');
    assert.equal(await focusedRow(), ids[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.equal(await focusedRow(), ids[2]);
    await page.keyboard.press('k');
    assert.equal(await focusedRow(), ids[1]);
    await page.keyboard.press('x');
    assert.equal(await page.locator(`#task-${ids[1]} input[type=checkbox]`).isChecked(), true);
    await page.getByRole('region', { name: 'Selected tasks' }).getByText('1 selected').waitFor();
    await page.keyboard.press('x');
    assert.equal(await page.locator(`#task-${ids[1]} input[type=checkbox]`).isChecked(), false);

    await page.keyboard.press('s');
    const snooze = page.locator(`#task-${ids[1]} .popover`);
    await snooze.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Later today4:00 PM', 'focus moves into the snooze menu');
    await page.keyboard.press('Escape');
    await snooze.waitFor({ state: 'detached' });
    assert.ok(await page.locator(`#task-${ids[1]}`).getByRole('button', { name: /^Snooze/ }).evaluate((el) => el === document.activeElement), 'Escape gives the focus back to the Snooze button');

    await page.locator(`#task-${ids[1]}`).focus();
    await page.keyboard.press('e');
    await page.locator(`#task-${ids[1]}`).waitFor({ state: 'detached' });
    assert.equal((await server.api(server.ann, 'GET', `/task/${ids[1]}/`)).body.is_complete, true);
    assert.equal(await focusedRow(), ids[2], 'the focus moves to the next task');

    await page.keyboard.press('?');
    const keys = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await keys.getByText('Snooze the task').waitFor();
    await page.keyboard.press('Escape');
    await keys.waitFor({ state: 'hidden' });

    // Tab reaches the controls one by one, each with a visible focus indicator.
    await page.getByRole('button', { name: 'Sign out' }).focus();
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const s = getComputedStyle(el);
        return { name: `${el.tagName} ${el.id} ${el.textContent?.trim().slice(0, 30)}`, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
      });
      assert.ok(f.outline, `visible focus on ${f.name}`);
      seen.add(f.name);
    }
    assert.ok([...seen].some((n) => n.startsWith('BUTTON tab-inbox')), 'the tabs');
    assert.ok([...seen].some((n) => n.includes('New task')), 'New task');
    assert.ok([...seen].some((n) => n.startsWith('SELECT filter-type')), 'the type filter');
    assert.ok([...seen].some((n) => n.includes('Done')), 'a task action');
  });
});
