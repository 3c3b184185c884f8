/**
 * Running Tasklane's real command line from tests: one-shot commands, and `serve`
 * processes ("nodes") on a port the system picks. Every process is started with
 * `LOG_LEVEL=silent` and ended by its own pid when the test is done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/tasklane.js', import.meta.url));

/** What a finished command printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tasklane ARGS...` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A running `tasklane serve` process. */
export interface Node {
  /** `http://127.0.0.1:PORT` */
  base: string;
  process: ChildProcess;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `tasklane serve --db URL --port 0` and resolves once it listens (it prints
 * its address on stderr).
 * @throws Error with what it printed when it exits before listening.
 */
export function startNode(dbUrl: string, env: Record<string, string> = {}): Promise<Node> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--db', dbUrl, '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const onExit = (code: number | null) => reject(new Error(`tasklane serve exited (${code}) before listening: ${stderr}`));
    child.once('exit', onExit);
    child.stderr!.on('data', (c) => {
      stderr += c;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        child.off('exit', onExit);
        resolve({
          base: m[1],
          process: child,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}
