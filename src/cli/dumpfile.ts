/**
 * Reading a Close task list dump from a file as a stream, so files larger than memory
 * (or than V8's longest string) import: either the object `GET /task/` answers
 * (`{"data": [...], "has_more": ...}`) or a bare array of task objects.
 * `dumpscan.ts` cuts the file into records and V8's `JSON.parse` reads each (issue 12:
 * 1,000,000 tasks in seconds, not a minute); what is not a task list is an error naming
 * the file, and invalid JSON an error naming the file and where it breaks.
 */
import { createReadStream, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import type { DumpRecord } from '../tasks/importer.js';
import { DumpScanner, DumpSyntaxError } from './dumpscan.js';

/** What a dump must be, in the words of every "not a task list" error. */
const EXPECTED = 'expected a JSON array of tasks, or an object with a "data" array of tasks (what GET /task/ answers)';

/**
 * Largest file read whole to say exactly where its JSON breaks (V8's parser reports
 * the position; the streaming parser does not). Above it the error names the range
 * of bytes being read instead, so a broken huge dump does not need memory its size.
 */
const LOCATE_MAX_BYTES = 64 * 1024 * 1024;

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

/** "line L, column C" of the character offset `at` of `text` (both 1-based; columns count characters, not UTF-16 units). */
function lineColumn(text: string, at: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${[...text.slice(start, at)].length + 1}`;
}

/**
 * Where the JSON of `path` breaks, in words, for files up to `LOCATE_MAX_BYTES`: "at
 * line L, column C" from V8's own parser where it names a position, else from
 * `atByte`, where the reader found the break, saying so when the file stops short;
 * for larger files "at byte N" (`atByte`).
 */
export function describeJsonBreak(path: string, atByte: number): string {
  const size = statSync(path).size;
  const truncated = (where: string) => `it ends at ${where} before the JSON is complete (is the file truncated?)`;
  if (size <= LOCATE_MAX_BYTES) {
    const bytes = readFileSync(path);
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const text = bytes.subarray(bom).toString('utf8');
    try {
      JSON.parse(text);
    } catch (e) {
      const m = /at position (\d+)/.exec((e as Error).message);
      if (m) {
        const at = Number(m[1]);
        return at >= text.trimEnd().length ? truncated(lineColumn(text, at)) : `at ${lineColumn(text, at)}`;
      }
      if (/end of JSON input/.test((e as Error).message)) return truncated(lineColumn(text, text.length));
    }
    // V8 names no position (an unexpected token): where the reader stopped.
    const at = bytes.subarray(bom, Math.max(bom, Math.min(atByte, size))).toString('utf8').length;
    return atByte >= size ? truncated(lineColumn(text, text.length)) : `at ${lineColumn(text, at)}`;
  }
  return atByte >= size ? `it ends at byte ${size} before the JSON is complete (is the file truncated?)` : `at byte ${atByte}`;
}

/**
 * Streams the task records of a dump file with their positions.
 * @param onBytes called with the number of bytes read so far (for a progress bar)
 * @throws Error naming the file when it is neither an array nor an object with a
 *   `data` array (`{"foo": 1}` included), or is not valid JSON (the message says
 *   where it breaks, and whether it stops short).
 */
export async function* readDumpFile(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<DumpRecord> {
  for await (const batch of readDumpBatches(path, onBytes)) yield* batch;
}

/** The records of a dump file, parsed, a 4 MiB chunk of the file at a time. @throws Error as `readDumpFile`. */
async function* readDumpBatches(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<DumpRecord[]> {
  const scanner = new DumpScanner();
  const fail = (e: unknown): never => {
    if (!(e instanceof DumpSyntaxError)) throw e;
    if (e.notTaskList) throw new Error(`${path}: ${e.message}; ${EXPECTED}`);
    throw new Error(`${path}: not valid JSON, ${describeJsonBreak(path, e.atByte)} (${e.message})`);
  };
  const c = firstChar(path);
  if (c !== '[' && c !== '{') throw new Error(`${path}: ${c === '' ? 'the file is empty or blank' : 'not a task list'}; ${EXPECTED}`);
  // Invalid UTF-8 is refused, not read as U+FFFD: the tasks would not be what the file says.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (chunk: Buffer | undefined, at: number): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new Error(`${path}: not UTF-8 text (bytes that are not UTF-8 within bytes ${Math.max(0, at - 4)}-${at + (chunk?.length ?? 0)}); a Close dump is UTF-8 JSON`);
    }
  };
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    const text = decode(chunk as Buffer, bytes);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
    let batch: DumpRecord[];
    try {
      batch = scanner.push(text).map((r) => ({ index: r.index, value: scanner.parse(r) }));
    } catch (e) {
      fail(e);
    }
    if (batch!.length) yield batch!;
  }
  try {
    const tail = scanner.end(decode(undefined, bytes));
    if (tail.length) yield tail.map((r) => ({ index: r.index, value: scanner.parse(r) }));
  } catch (e) {
    fail(e);
  }
}
