/**
 * The operations variables of `loadConfig` (issue 11): defaults, parsing, and a clear
 * error naming the variable for a bad value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.js';

test('operations settings default to: no Redis, auto store, CORS off, metrics and compression on, 10 s shutdown', () => {
  const c = loadConfig({});
  assert.equal(c.redisUrl, null);
  assert.equal(c.rateLimitStore, 'auto');
  assert.deepEqual(c.corsOrigins, []);
  assert.equal(c.metrics, true);
  assert.equal(c.compression, true);
  assert.equal(c.shutdownTimeoutMs, 10_000);
  assert.equal(c.heapGrowingPercent, 30);
});

test('operations settings are read from the environment', () => {
  const c = loadConfig({
    REDIS_URL: 'redis://127.0.0.1:6379/2',
    RATE_LIMIT_STORE: 'database',
    CORS_ORIGINS: ' https://a.example.com, https://b.example.com ,',
    METRICS: 'false',
    COMPRESSION: '0',
    SHUTDOWN_TIMEOUT_SECONDS: '2.5',
    HEAP_GROWING_PERCENT: '0',
  });
  assert.equal(c.heapGrowingPercent, 0);
  assert.equal(c.redisUrl, 'redis://127.0.0.1:6379/2');
  assert.equal(c.rateLimitStore, 'database');
  assert.deepEqual(c.corsOrigins, ['https://a.example.com', 'https://b.example.com']);
  assert.equal(c.metrics, false);
  assert.equal(c.compression, false);
  assert.equal(c.shutdownTimeoutMs, 2500);
});

test('bad operations settings fail at boot, naming the variable', () => {
  assert.throws(() => loadConfig({ RATE_LIMIT_STORE: 'disk' }), /^Error: RATE_LIMIT_STORE must be one of auto, redis, database, memory \(got "disk"\)$/);
  assert.throws(() => loadConfig({ RATE_LIMIT_STORE: 'redis' }), /RATE_LIMIT_STORE=redis needs REDIS_URL/);
  assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL must start with redis:\/\/ or rediss:\/\//);
  assert.throws(() => loadConfig({ METRICS: 'maybe' }), /METRICS must be true or false/);
  assert.throws(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' }), /HEAP_GROWING_PERCENT must be a whole number, at least 0/);
  assert.throws(() => loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '-1' }), /SHUTDOWN_TIMEOUT_SECONDS must be a positive number of seconds/);
});
