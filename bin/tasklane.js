#!/usr/bin/env node
// The `tasklane` command: runs the bundled code in dist/bundle/ (scripts/build-cli.mjs,
// built by `npm install` through the `prepare` script, or by `npm run build`).
try {
  await import('../dist/bundle/main.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('/dist/bundle/main.js')) {
    process.stderr.write('tasklane: dist/ is missing; run `npm run build` (npm install runs it) first\n');
    process.exit(1);
  }
  throw e;
}
