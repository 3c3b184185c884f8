/**
 * One process owns a SQLite database file for writing (issue 13, defect 4). SQLite
 * lets any number of processes open a file, but two servers on one file fight over its
 * one write lock (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`) and each one's background
 * workers (webhook delivery, event pruning) then fail the other's requests.
 *
 * The owner (`tasklane serve`, or a long offline write: `import`) holds `FILE.lock`,
 * created exclusively (`O_EXCL`) and holding its PID as JSON. Another owner that finds
 * the lock of a living process refuses to start, naming the PID; a lock left by a
 * process that died (SIGKILL, power loss) is taken over. Short commands (`org`, `user`,
 * `apikey`, `migrate`) do not take it: they run one short transaction, which waits
 * for the write lock (`busy_timeout`), and the server retries its own writes.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** What a lock file says. */
interface LockInfo {
  pid: number;
  role: string;
  since: string;
}

/** The lock file of the SQLite database at `path`. */
export function ownerLockPath(path: string): string {
  return path + '.lock';
}

/** True when a process with this id runs (EPERM: it runs, under another user). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock on `path` held by a living process other than this one, or null. */
export function ownerOf(path: string): LockInfo | null {
  let info: LockInfo;
  try {
    info = JSON.parse(readFileSync(ownerLockPath(path), 'utf8')) as LockInfo;
  } catch {
    return null; // no lock file, or one cut short by a crash while it was written
  }
  return info.pid !== process.pid && isAlive(info.pid) ? info : null;
}

/** The message for a database another process owns. */
function heldMessage(path: string, holder: LockInfo, wanted: string): string {
  return (
    `${path} is in use by tasklane ${holder.role} (PID ${holder.pid}, since ${holder.since}); ${wanted} needs it to itself. ` +
    `Stop that process first, or give this one another --db. (Lock file: ${ownerLockPath(path)}; remove it only if PID ${holder.pid} is not tasklane.)`
  );
}

/**
 * @throws Error naming the PID when another living process owns `path` (for commands
 *   that must not run beside a server, such as rebuilding the demo).
 */
export function assertNotOwned(path: string, wanted: string): void {
  const holder = ownerOf(path);
  if (holder) throw new Error(heldMessage(path, holder, wanted));
}

/**
 * Takes ownership of the SQLite file at `path` for `role` (`serve`, `import`).
 * @returns a function that gives it up (also done when the process exits).
 * @throws Error naming the holder's PID when another living process owns it.
 */
export function acquireOwnerLock(path: string, role: string): () => void {
  const file = ownerLockPath(path);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      assertNotOwned(path, role);
      // Left by a process that is gone: take it over.
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, role, since: new Date().toISOString() } satisfies LockInfo));
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      // Only our own lock: never one another process took over.
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as LockInfo).pid === process.pid) rmSync(file, { force: true });
      } catch {
        // already gone
      }
    };
    process.on('exit', release);
    return release;
  }
}
