/**
 * The API contract (issue 8 item 5, issue 11): one schema per route drives validation,
 * the OpenAPI document, the typed client and the harness's check of every answer.
 * Here: every route has a response schema and a stable operationId; the document is
 * valid OpenAPI 3.1 (@apidevtools/swagger-parser), is served at `/api/v1/openapi.json`
 * and `/openapi.json`, and equals the committed `openapi.json` (CI regenerates and
 * compares: a stale copy fails); `src/client/schema.d.ts` is what openapi-typescript
 * makes of it; the harness's check refuses answers that drift from their schema; and
 * `/docs` serves the reference page and its assets from the package.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { checkContract } from '../support/contract.js';
import { PACKAGE_VERSION, closeRoutes } from '../../src/server/app.js';
import { buildOpenApi, openApiFileText, operationIdOf } from '../../src/server/openapi.js';
import { TaskListResponse, TaskResponse } from '../../src/schemas/task-response.js';

const ROOT = join(import.meta.dirname, '..', '..');
let h: Harness;

before(async () => {
  h = await harness();
});
after(() => h.close());

type Doc = {
  openapi: string;
  info: { license: { name: string; identifier: string }; version: string };
  paths: Record<string, Record<string, { operationId: string; tags: string[]; responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { headers?: Record<string, unknown> }> };
};

describe('route schemas and the OpenAPI document', () => {
  test('every route has a response schema and a unique camelCase operationId', () => {
    const ids = closeRoutes.map(operationIdOf);
    for (const r of closeRoutes) assert.ok(r.response && typeof r.response === 'object', `${r.method} ${r.url} has a response schema`);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const id of ids) assert.match(id, /^[a-z][A-Za-z]+$/);
    for (const id of ['listTask', 'getTask', 'createTask', 'updateTask', 'bulkUpdateTask', 'deleteTask', 'getMe', 'listLead', 'getOrganization', 'getApiKey', 'listActivityCall', 'createWebhook']) {
      assert.ok(ids.includes(id), id);
    }
  });

  test('GET /api/v1/openapi.json and /openapi.json serve the committed openapi.json, rebuilt from the routes', async () => {
    const a = await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const b = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(a.statusCode, 200);
    assert.match(String(a.headers['content-type']), /^application\/json/);
    assert.equal(a.body, b.body);
    const fresh = openApiFileText(buildOpenApi(closeRoutes, PACKAGE_VERSION));
    assert.equal(readFileSync(join(ROOT, 'openapi.json'), 'utf8'), fresh, 'openapi.json is stale: run npm run openapi and commit it');
    assert.deepEqual(JSON.parse(a.body), JSON.parse(fresh));
  });

  test('the document is valid OpenAPI 3.1 with the license, tags, typed answers and error answers', async () => {
    const doc = buildOpenApi(closeRoutes, PACKAGE_VERSION) as unknown as Doc;
    await SwaggerParser.validate(structuredClone(doc) as never);
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.info.license, { name: 'MIT', identifier: 'MIT' });
    assert.equal(doc.info.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        operations++;
        assert.equal(op.tags.length, 1, `${method} ${path} has a tag`);
        const ok = Object.keys(op.responses).filter((c) => c.startsWith('2'));
        assert.equal(ok.length, 1, `${method} ${path} has one success answer`);
        const schema = op.responses[ok[0]].content!['application/json'].schema as Record<string, unknown>;
        assert.notDeepEqual(schema, { type: 'object' }, `${method} ${path} has a real response schema`);
        for (const c of ['400', '401', '404', '429']) assert.equal(op.responses[c].$ref, `#/components/responses/Error${c}`);
      }
    }
    assert.equal(operations, closeRoutes.length);
    assert.equal(doc.paths['/webhook/'].post.responses['201'].content!['application/json'].schema && true, true);
    assert.deepEqual(doc.paths['/task/{id}/'].get.responses['200'].content!['application/json'].schema, { $ref: '#/components/schemas/Task' });
    assert.ok(doc.components.responses.Error429.headers!['Retry-After']);
    for (const name of ['Task', 'Task_lead', 'Task_incoming_sms', 'Lead', 'Contact', 'Opportunity', 'CallActivity', 'Event', 'Webhook', 'Me', 'Organization', 'Error']) {
      assert.ok(doc.components.schemas[name], `components/schemas/${name}`);
    }
    // Reasonably small: shared schemas are listed once.
    assert.ok(JSON.stringify(doc).length < 200_000, `document is ${JSON.stringify(doc).length} characters`);
  });

  test('src/client/schema.d.ts is what openapi-typescript makes of openapi.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklane-schema-'));
    try {
      const out = join(dir, 'schema.d.ts');
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), join(ROOT, 'openapi.json'), '-o', out], { stdio: 'pipe' });
      assert.equal(readFileSync(join(ROOT, 'src', 'client', 'schema.d.ts'), 'utf8'), readFileSync(out, 'utf8'), 'schema.d.ts is stale: run npm run openapi');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the harness's contract check", () => {
  const get = (url: string) => ({ method: 'GET', url, headers: {} });
  const json = 'application/json; charset=utf-8';

  test('passes the real answers, typed by their schema', async () => {
    const lead = await makeLead(h);
    const t = await makeTask(h, { lead_id: lead, text: 'Call back' });
    const one = await h.req<typeof TaskResponse>('GET', `/api/v1/task/${t.id}/`);
    assert.equal(one.body.id, t.id);
    assert.equal(one.body._type, 'lead');
    if (one.body._type === 'lead') assert.equal(one.body.text, 'Call back');
    const list = await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?lead_id=${lead}&_fields=id,view`);
    assert.deepEqual(list.body.data, [{ id: t.id, view: 'inbox' }]);
  });

  test('refuses an answer with a key missing, an extra key or a value of the wrong type', async () => {
    const t = (await h.req('GET', `/api/v1/task/?_type=all&_limit=1`)).body.data[0];
    assert.ok(t, 'a task to start from');
    const { view: _view, ...missing } = t;
    for (const bad of [missing, { ...t, extra: 1 }, { ...t, is_complete: 'no' }, { ...t, _type: 'unknown' }]) {
      assert.throws(() => checkContract(get(`/api/v1/task/${t.id}/`), { status: 200, body: bad, contentType: json }), /does not fit its schema/);
    }
    assert.throws(() => checkContract(get('/api/v1/task/'), { status: 200, body: { data: [t] }, contentType: json }), /has_more/);
    // With _fields, a projection passes, a wrong type still fails.
    checkContract(get('/api/v1/task/?_fields=id'), { status: 200, body: { data: [{ id: t.id }], has_more: false }, contentType: json });
    assert.throws(() => checkContract(get('/api/v1/task/?_fields=id'), { status: 200, body: { data: [{ id: 7 }], has_more: false }, contentType: json }));
    // The method override: a POST served as GET is checked against the GET route.
    assert.throws(() => checkContract({ method: 'POST', url: '/api/v1/task/', headers: { 'x-http-method-override': 'GET' } }, { status: 200, body: {}, contentType: json }));
  });

  test("refuses a 4xx that is not in Close's error shape", () => {
    checkContract(get('/api/v1/task/x/'), { status: 404, body: { error: 'Empty query: Task matching query does not exist.' }, contentType: json });
    checkContract(get('/api/v1/task/'), { status: 400, body: { errors: [], 'field-errors': { _limit: 'bad' } }, contentType: json });
    assert.throws(() => checkContract(get('/api/v1/task/'), { status: 400, body: { message: 'bad' }, contentType: json }), /error 400/);
  });
});

describe('the API reference page at /docs', () => {
  test('serves Swagger UI and its assets from the package, under a strict CSP, reaching no other host', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.split(';').includes(d), `${d} in ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no asset from another host');
    assert.doesNotMatch(page.body, /<script>|<style>|style="/, 'no inline script or style');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')));
    const types: Record<string, RegExp> = { js: /^(application|text)\/javascript/, css: /^text\/css/, png: /^image\/png/ };
    for (const a of assets) {
      const r = await h.app.inject({ method: 'GET', url: new URL(a, 'http://x/docs/').pathname });
      assert.equal(r.statusCode, 200, a);
      assert.match(String(r.headers['content-type']), types[a.split('.').pop()!], a);
    }
    const init = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    assert.match(init.body, /validatorUrl":null/);
    const spec = await h.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(JSON.parse(spec.body).info.title, 'Tasklane: the Close Tasks API');
    // The API's own answers carry no page CSP.
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).headers['content-security-policy'], undefined);
  });
});
