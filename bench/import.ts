/**
 * The import benchmark of issue 12: a Close task list dump of 1,000,000 tasks (what
 * `GET /task/` answers, every key of each type with names, about 880 bytes a task) into
 * one organization of a fresh SQLite database with `tasklane import`, as a user runs it.
 *
 * Rows, in one run (the machine is shared, so the baselines are measured beside):
 * - `read`: the file's bytes read in 4 MiB chunks (the disk or page cache);
 * - `read+parse`: the same bytes cut at newlines (this dump has one task a line) and
 *   each line `JSON.parse`d: the floor of any importer that looks at every record, with
 *   no JSON structure to follow;
 * - `reader`: the importer's own reader (`cli/dumpfile.ts` `readDumpFile`);
 * - `import`: `tasklane import --org ... --db FILE DUMP`, a process, into a database with
 *   the organization and nothing else, timed from spawn to exit, with its summary.
 *
 * Usage: node --import tsx bench/import.ts [--tasks 1000000] [--skip-import]
 * The dump is written once to `bench/.data/dump-N.json` and reused.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { UTC_ZONE } from '../src/close/zone.js';
import { serializeTask } from '../src/tasks/serialize.js';
import { readDumpFile } from '../src/cli/dumpfile.js';
import { StringDecoder } from 'node:string_decoder';
import { benchTaskRow, idFrom, rng } from './generate.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The organization a dump names (its tasks' `organization_id`); the import keeps it. */
const DUMP_ORG = idFrom('orga_', 0, 'DUMP');

/**
 * Writes a dump of `tasks` tasks of one organization (50 users, 1,250 leads each with a
 * contact) to `file`, as `{"data": [...], "has_more": false}`, one task a line.
 */
export function writeDump(file: string, tasks: number, now: number, seed = 7): void {
  const random = rng(seed);
  const users = Array.from({ length: 50 }, (_, u) => ({ id: idFrom('user_', u, 'DUMP'), name: `Dump User${u}` }));
  const leads = Array.from({ length: 1250 }, (_, l) => ({ id: idFrom('lead_', l, 'DUMP'), contact: idFrom('cont_', l, 'DUMP'), name: `Dump Lead ${l}`, contactName: `Dump Contact ${l}` }));
  const userName = new Map(users.map((u) => [u.id, u.name]));
  const leadById = new Map(leads.map((l) => [l.id, l]));
  const fd = openSync(file, 'w');
  try {
    let out = '{"data": [\n';
    for (let i = 0; i < tasks; i++) {
      const row = benchTaskRow(random, now, DUMP_ORG, 0, i, i, users, leads);
      const lead = row.lead_id ? leadById.get(row.lead_id) : undefined;
      const json = serializeTask(
        {
          ...row,
          assigned_to_name: userName.get(row.assigned_to) ?? null,
          created_by_name: row.created_by ? (userName.get(row.created_by) ?? null) : null,
          updated_by_name: row.updated_by ? (userName.get(row.updated_by) ?? null) : null,
          lead_name: lead?.name ?? null,
          contact_name: lead && row.contact_id ? lead.contactName : null,
        },
        UTC_ZONE,
        now,
      );
      out += (i ? ',\n' : '') + JSON.stringify(json);
      if (out.length > 1 << 20) {
        writeSync(fd, out);
        out = '';
      }
    }
    writeSync(fd, out + '\n], "has_more": false}\n');
  } finally {
    closeSync(fd);
  }
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Seconds to read `file` in 4 MiB chunks, and, with `parse`, to cut it at newlines and parse each record. */
async function readFile(file: string, parse: boolean): Promise<{ s: number; records: number }> {
  const t0 = performance.now();
  let records = 0;
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) {
    if (!parse) continue;
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line.charCodeAt(0) !== 123 || line.startsWith('{"data"')) continue;
      JSON.parse(line.charCodeAt(line.length - 1) === 44 ? line.slice(0, -1) : line);
      records++;
    }
  }
  return { s: seconds(t0), records };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { tasks: { type: 'string', default: '1000000' }, 'skip-import': { type: 'boolean', default: false } } });
  const tasks = Number(args.tasks);
  const dataDir = join(root, 'bench', '.data');
  mkdirSync(dataDir, { recursive: true });
  const dump = join(dataDir, `dump-${tasks}.json`);
  if (!existsSync(dump)) {
    const t0 = performance.now();
    writeDump(dump + '.part', tasks, Date.now());
    renameSync(dump + '.part', dump);
    process.stderr.write(`dump: ${tasks} tasks in ${seconds(t0).toFixed(1)} s\n`);
  }
  const mb = statSync(dump).size / 1e6;
  const load = () => loadavg()[0].toFixed(2);
  const rows: { name: string; s: number; note?: string }[] = [];
  const print = (name: string, s: number, note = '') => {
    rows.push({ name, s, note });
    process.stdout.write(`${name.padEnd(12)} ${s.toFixed(1).padStart(7)} s  ${(tasks / s / 1000).toFixed(1).padStart(7)} k tasks/s  load ${load()}  ${note}\n`);
  };
  process.stdout.write(`import benchmark: ${tasks} tasks, ${mb.toFixed(0)} MB\n`);
  print('read', (await readFile(dump, false)).s);
  const parsed = await readFile(dump, true);
  print('read+parse', parsed.s, `${parsed.records} records`);
  {
    const t0 = performance.now();
    let n = 0;
    for await (const r of readDumpFile(dump)) n += r.index >= 0 ? 1 : 0;
    print('reader', seconds(t0), `${n} records`);
  }
  if (!args['skip-import']) {
    const db = join(dataDir, `import-${tasks}.db`);
    for (const s of ['', '-wal', '-shm', '.lock']) rmSync(db + s, { force: true });
    const cli = join(root, 'bin', 'tasklane.js');
    const env = { ...process.env, DATABASE_URL: '' };
    const org = spawnSync(process.execPath, [cli, 'org', 'create', '--name', 'Dump Org', '--id', DUMP_ORG, '--db', db], { env, encoding: 'utf8' });
    if (org.status !== 0) throw new Error(`org create failed: ${org.stderr}`);
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, 'import', dump, '--org', DUMP_ORG, '--db', db, '--json'], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
    const s = seconds(t0);
    if (run.status !== 0) throw new Error(`import failed (${run.status}): ${run.stderr}`);
    const summary = JSON.parse(run.stdout);
    print('import', s, `${(s / parsed.s).toFixed(1)}x read+parse; inserted ${summary.inserted}, ${summary.users} users, ${summary.leads} leads, ${summary.contacts} contacts; ${(statSync(db).size / 1e6).toFixed(0)} MB database`);
    for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(db + suffix, { force: true });
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ tasks, mb, load: loadavg(), rows }, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
