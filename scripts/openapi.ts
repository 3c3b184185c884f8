/**
 * `npm run openapi`: writes the OpenAPI document of the routes to `openapi.json` at the
 * package root (what a test compares with a fresh build of it, so CI fails when the
 * committed copy is stale), then `npm run client:types` makes `src/client/schema.d.ts` from it.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PACKAGE_VERSION, closeRoutes } from '../src/server/app.js';
import { buildOpenApi, openApiFileText } from '../src/server/openapi.js';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(target, openApiFileText(buildOpenApi(closeRoutes, PACKAGE_VERSION)));
console.log(`wrote ${target}`);
