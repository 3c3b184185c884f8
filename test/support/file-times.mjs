// A node:test reporter for test/run-backends.mjs: one JSON line `{backend, file, ms}`
// per test file of a group process, whose suite the group file names
// `<backend>: <file>` (ms: the file's wall time). The runner keeps these in
// .tmp/test-times.json to balance the next run's groups.
export default async function* fileTimes(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, details } = event.data;
    const m = nesting === 0 && details?.type === 'suite' ? /^([a-z]+): (.+)$/.exec(name) : null;
    if (m) yield JSON.stringify({ backend: m[1], file: m[2], ms: Math.round(details.duration_ms ?? 0) }) + '\n';
  }
}
