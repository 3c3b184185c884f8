/**
 * The dump scanner (`cli/dumpscan.ts`, issue 12) cuts a task list into the same records
 * `JSON.parse` of the whole text gives, wherever the chunks of the file happen to end
 * (inside strings, escapes, numbers, multi-byte characters' UTF-16 units), and refuses
 * what is not valid JSON or not a task list with the byte where it stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DumpScanner, DumpSyntaxError } from '../../src/cli/dumpscan.js';

/** The records of `text` pushed in pieces of `size` characters, or the error's message and byte. */
function scan(text: string, size: number): unknown {
  const s = new DumpScanner();
  const out: unknown[] = [];
  try {
    for (let i = 0; i < text.length; i += size) for (const r of s.push(text.slice(i, i + size))) out.push(s.parse(r));
    for (const r of s.end()) out.push(s.parse(r));
    return out;
  } catch (e) {
    if (!(e instanceof DumpSyntaxError)) throw e;
    return { error: e.message, atByte: e.atByte, notTaskList: e.notTaskList };
  }
}

const SIZES = [1, 2, 3, 5, 7, 64, 1 << 20];

test('records are the elements JSON.parse finds, at every chunk size', () => {
  const valid = [
    '[]',
    ' [ ] ',
    '\ufeff[{"a":1}]',
    '[1,2, 3.5e2 ,-0, true,false,null,"s"]',
    '[{"a":"x\\\\"},{"b":"q\\"]\\"}"},{"c":"\\u005d\\\\\\""}]',
    '{"data":[{"a":[1,{"b":[2,[3]]}]}],"has_more":false}',
    '{"has_more": false, "cursor": {"x": [1, "]}"]}, "data": ["é", "日本", "😀", null]}',
    '[\n  {"id": "task_1", "text": "line\\nbreak"},\n  {"id": "task_2"}\n]\n',
  ];
  for (const text of valid) {
    const parsed = JSON.parse(text.replace(/^\ufeff/, ''));
    const expected = Array.isArray(parsed) ? parsed : parsed.data;
    for (const size of SIZES) assert.deepEqual(scan(text, size), expected, `${text} in pieces of ${size}`);
  }
});

test('invalid JSON and JSON that is not a task list stop at the same byte at every chunk size', () => {
  const cases: [string, string, number, boolean][] = [
    ['{"data": 5}', '"data" is not a list of tasks', 9, true],
    ['{"foo":1}', 'the object has no "data" key', 9, true],
    ['{}', 'the object has no "data" key', 2, true],
    ['[{"a":1} {"b":2}]', "expected ',' or ']'", 9, false],
    ['[{"a":1},]', 'expected a task', 9, false],
    ['[1] x', 'unexpected text after the end of the JSON', 4, false],
    ['{"data":[1],}', 'expected a key', 12, false],
    ['[{"a":"xx', 'the file ends before the JSON is complete', 9, false],
    ['["é", {"a":1} x]', "expected ',' or ']'", 15, false],
    // JSON.parse would keep the last "data"; the first has been read by then.
    ['{"data":[{"first":1}],"data":[{"twice":true}]}', 'the object has more than one "data" key', 28, true],
  ];
  for (const [text, error, atByte, notTaskList] of cases) {
    for (const size of SIZES) assert.deepEqual(scan(text, size), { error, atByte, notTaskList }, `${text} in pieces of ${size}`);
  }
  // A record that is not JSON names itself and where it breaks.
  const bad = scan('[{"a":1},{"a":tru}]', 4) as { error: string; atByte: number };
  assert.match(bad.error, /^record 1: /);
  assert.ok(bad.atByte >= 9 && bad.atByte <= 18, String(bad.atByte));
});

test('a key or a value of the root object that is not JSON is named, not thrown as a bare SyntaxError', () => {
  for (const size of SIZES) {
    const key = scan('{"a\\x":1,"data":[]}', size) as { error: string; atByte: number };
    assert.match(key.error, /^a key is not valid JSON: /);
    assert.equal(key.atByte, 1);
    const value = scan('{"has_more":tru,"data":[]}', size) as { error: string; atByte: number };
    assert.match(value.error, /^the value of "has_more" is not valid JSON: /);
    assert.equal(value.atByte, 12);
  }
});
