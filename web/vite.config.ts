/**
 * Vite build of the inbox page (issue 10). `npm run build:web` writes `web/dist/`,
 * which Tasklane serves itself (`src/server/web.ts`).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact's automatic JSX runtime, compiled by Vite's own transformer (no plugin needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite --config web/vite.config.ts`: hot reload on Vite's port, the API from a
  // Tasklane running on the default port.
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No data: URLs: the Content-Security-Policy allows images from 'self' and https: only.
    assetsInlineLimit: 0,
    // The polyfill is only for browsers without modulepreload; every supported one has it.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
