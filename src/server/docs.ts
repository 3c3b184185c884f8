/**
 * The API's own description (issue 11): the OpenAPI 3.1 document at
 * `GET /api/v1/openapi.json` (and at `/openapi.json`, its first address), and an API
 * reference page at `/docs` (Swagger UI, served from the package by
 * `@fastify/swagger-ui`: no CDN, under a strict Content-Security-Policy like the inbox
 * page's, plus `data:` images, which Swagger UI's stylesheet uses for its icons).
 */
import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { buildOpenApi } from './openapi.js';
import type { CloseRoute } from './routing.js';
import { API_PREFIX } from './routing.js';
import { WEB_CSP_DIRECTIVES } from './web.js';

/** Where the reference page lives. */
export const DOCS_PREFIX = '/docs';

/** The reference page's CSP: the inbox page's, with `data:` images (Swagger UI's icons). */
export const DOCS_CSP_DIRECTIVES = { ...WEB_CSP_DIRECTIVES, imgSrc: ["'self'", 'data:'], formAction: ["'none'"] };

const built = new WeakMap<readonly CloseRoute[], Map<string, { document: Record<string, unknown>; text: string }>>();

/** The document of `routes`, built once per route list and version (about 25 ms; every app of a test run shares it). */
function documentOf(routes: readonly CloseRoute[], version: string): { document: Record<string, unknown>; text: string } {
  let byVersion = built.get(routes);
  if (!byVersion) built.set(routes, (byVersion = new Map()));
  let entry = byVersion.get(version);
  if (!entry) {
    const document = buildOpenApi(routes, version);
    entry = { document, text: JSON.stringify(document) };
    byVersion.set(version, entry);
  }
  return entry;
}

/**
 * Registers `GET /api/v1/openapi.json`, `GET /openapi.json` and `/docs` on `app`, the
 * document built once from `routes` (`buildOpenApi`).
 */
export async function registerApiDocs(app: FastifyInstance, routes: readonly CloseRoute[], version: string): Promise<void> {
  const { document, text } = documentOf(routes, version);
  for (const url of [`${API_PREFIX}/openapi.json`, '/openapi.json']) {
    app.get(url, async (_request, reply) => reply.type('application/json; charset=utf-8').send(text));
  }
  await app.register(async (scope) => {
    await scope.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP_DIRECTIVES },
      strictTransportSecurity: false,
      frameguard: { action: 'deny' },
    });
    await scope.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
    await scope.register(fastifySwaggerUi, {
      routePrefix: DOCS_PREFIX,
      // No call to validator.swagger.io: the page reaches nothing but this server.
      uiConfig: { validatorUrl: null, deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, layout: 'BaseLayout' },
      theme: { title: 'Tasklane API reference' },
    });
  });
}
