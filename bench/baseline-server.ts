/**
 * The baseline of the benchmarks: a bare Fastify route that answers with a page held
 * as a JavaScript object, serialized on every request (as any server must), with no
 * database, no authentication and no logic.
 *
 * Usage: node --import tsx bench/baseline-server.ts PAGE.json
 * Prints `listening on http://127.0.0.1:PORT` on stderr.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const page: unknown = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const app = Fastify({ logger: false });
app.get('/api/v1/task/', async () => page);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`listening on ${address}\n`);
