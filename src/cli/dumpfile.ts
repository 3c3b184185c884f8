/**
 * Reading a Close task list dump from a file as a stream, so files larger than memory
 * (or than V8's longest string) import: either the object `GET /task/` answers
 * (`{"data": [...], "has_more": ...}`) or a bare array of task objects.
 * Parsing is stream-json's.
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { chain } from 'stream-chain';
import { parser } from 'stream-json/parser.js';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import type { DumpRecord } from '../tasks/importer.js';

/** The first non-blank character of a file, to tell an array from an object. */
function firstChar(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return '';
      const m = /\S/.exec(buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, ''));
      if (m) return m[0];
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the task records of a dump file with their positions.
 * @param onBytes called with the number of bytes read so far (for a progress bar)
 * @throws Error when the file is neither an array nor an object with a `data` array,
 *   or is not valid JSON (the message says where).
 */
export async function* readDumpFile(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<DumpRecord> {
  const c = firstChar(path);
  if (c !== '[' && c !== '{') throw new Error(`${path}: expected a JSON array of tasks or an object with a "data" array`);
  const source = createReadStream(path);
  let bytes = 0;
  if (onBytes) source.on('data', (chunk) => onBytes((bytes += chunk.length)));
  const steps: unknown[] = [source, parser()];
  if (c === '{') steps.push(pick({ filter: 'data' }));
  steps.push(streamArray());
  const pipeline = chain(steps as never);
  for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
    yield { index: item.key, value: item.value };
  }
}
