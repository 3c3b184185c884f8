/**
 * Rate limits (D31): headers on every authenticated response, a token bucket per key
 * and endpoint group, the organization's bucket at three times the key's, and 429s
 * that Close's clients can read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead } from '../support/helpers.js';
import type { TaskListResponse } from '../../src/schemas/task-response.js';
import type { MeResponse } from '../../src/schemas/account-response.js';
import { createApiKey, createUser } from '../../src/crm/accounts.js';
import { endpointGroup } from '../../src/server/ratelimit.js';

test('every authenticated response carries RateLimit and X-Rate-Limit-* headers', async () => {
  const h = await harness({ rateLimit: { perKey: 600, windowSeconds: 8 } });
  try {
    const r = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/');
    assert.equal(r.headers['ratelimit'], 'limit=600, remaining=599, reset=1');
    assert.equal(r.headers['x-rate-limit-limit'], '600');
    assert.equal(r.headers['x-rate-limit-remaining'], '599');
    assert.equal(r.headers['x-rate-limit-reset'], '1');
    const bad = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?_limit=x');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['x-rate-limit-remaining'], '598', 'a 400 still counts');
  } finally {
    await h.close();
  }
});

test('a key gets N requests per group per window, then 429 with Retry-After and D31\'s body (error object and top-level numbers)', async () => {
  const h = await harness({ rateLimit: { perKey: 3, windowSeconds: 6 } });
  try {
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/')).headers['x-rate-limit-remaining']);
    assert.deepEqual(seen, ['2', '1', '0']);
    const limited = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '2', 'one token comes back every 2 s');
    assert.equal(limited.headers['ratelimit'], 'limit=3, remaining=0, reset=2', 'reset agrees with Retry-After on a 429');
    const group = endpointGroup('GET', '/api/v1/task/');
    assert.deepEqual(limited.body, {
      error: { message: 'API call count exceeded for this period', rate_reset: 2, rate_window: 6, rate_endpoint_group: group },
      rate_reset: 2,
      rate_window: 6,
      rate_endpoint_group: group,
    });
    // Another endpoint group has its own bucket.
    assert.equal((await h.req<typeof MeResponse>('GET', '/api/v1/me/')).status, 200);
    // Writes to tasks are another group than reads.
    assert.equal((await h.req('POST', '/api/v1/lead/', { body: { name: 'x' } })).status, 200);
    // Time refills the bucket.
    h.advance(2000);
    assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/')).status, 200);
    assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/')).status, 429);
    h.advance(6000);
    assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/')).headers['x-rate-limit-remaining'], '2');
  } finally {
    await h.close();
  }
});

test('the organization bucket is three times the key bucket, shared by its keys', async () => {
  const h = await harness({ rateLimit: { perKey: 2, windowSeconds: 10 } });
  try {
    await makeLead(h);
    const keys = [h.user.key, h.colleague.key];
    for (let i = 0; i < 2; i++) {
      const u = await createUser(h.db.kysely, h.orgId, { email: `extra${i}@acme.test`, first_name: 'E', last_name: String(i) }, Date.now());
      keys.push((await createApiKey(h.db.kysely, h.orgId, u.id, Date.now())).key);
    }
    const statuses: number[] = [];
    for (const key of keys) {
      for (let i = 0; i < 2; i++) {
        const r = await h.app.inject({ method: 'GET', url: '/api/v1/task/', headers: { authorization: 'Bearer ' + key } });
        statuses.push(r.statusCode);
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    // Another organization is not affected.
    assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/', { as: h.outsider })).status, 200);
  } finally {
    await h.close();
  }
});
