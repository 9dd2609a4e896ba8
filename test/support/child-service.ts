import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { findRepoRoot } from './repo-root';

const repoRoot = findRepoRoot();

export interface ChildService {
  process: ChildProcess;
  /** JSON log lines seen so far. */
  logs: Record<string, unknown>[];
  stderr: string[];
  /**
   * Resolves with the first log line (past or future) that matches; fails when the process exits first or after
   * `timeoutMs`. With `whileBusy`, a process still working (it used CPU time in the last `timeoutMs`) is waited for
   * another `timeoutMs`, up to 30 s of its CPU time: on a starved machine a start that takes 1.5 s of CPU can take
   * longer than any fixed wall-clock budget, and only a process that sits idle or spins is broken.
   */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    options?: { whileBusy?: boolean },
  ): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** CPU a waited-for process must use in one window to count as working, and the most it may use. */
const MIN_WORK_MS = 50;
const MAX_CPU_MS = 30_000;

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); undefined elsewhere or once it is gone. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) " come the fields from the third on: utime and stime are the 14th and 15th, in ticks of
    // 10 ms (USER_HZ is 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Runs a built service (`dist/services/<name>/src/main.js`) as its own OS process. OSSA_CHILD_NODE_ARGS
 * (space-separated) passes flags to those processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
export function spawnService(entry: string, env: Record<string, string>, options: { dist?: string } = {}): ChildService {
  // `dist`: another build's output (a benchmark comparing builds); default this checkout's dist/.
  const script = path.join(options.dist ?? path.join(repoRoot, 'dist'), entry);
  const nodeArgs = (process.env.OSSA_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  // OSSA_CHILD_LOG_DIR=<dir> keeps every child's output in <dir>/<entry>-<pid>.log, to read after a failure.
  const logDir = process.env.OSSA_CHILD_LOG_DIR;
  const logFile = logDir ? path.join(logDir, `${path.basename(path.dirname(path.dirname(entry)))}-${child.pid}.log`) : undefined;
  const keep = (line: string) => logFile && appendFileSync(logFile, `${line}\n`);
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    if (!line.startsWith('{')) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(parsed);
    for (const waiter of [...waiters]) {
      if (waiter.match(parsed)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(parsed);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    keep(line);
    stderr.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    logs,
    stderr,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    waitForLog(match, timeoutMs = 20_000, options = {}) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        let cpu = cpuMs(child.pid);
        const expire = () => {
          const now = cpuMs(child.pid);
          const working = options.whileBusy && cpu !== undefined && now !== undefined && now - cpu >= MIN_WORK_MS && now < MAX_CPU_MS;
          if (working) {
            cpu = now;
            timer = setTimeout(expire, timeoutMs);
            timer.unref();
            return;
          }
          const used = now === undefined ? '' : ` (${now} ms of CPU used so far)`;
          reject(new Error(`no matching log line within ${timeoutMs} ms${used}; stderr: ${stderr.join('\n')}`));
        };
        let timer = setTimeout(expire, timeoutMs);
        // A waiter that loses a race (Promise.any over several processes) must not keep the test process alive.
        timer.unref();
        const onExit = (code: number | null) => reject(new Error(`process exited (${code}) before the log line; stderr: ${stderr.join('\n')}`));
        child.once('exit', onExit);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(line);
          },
        });
      });
    },
  };
}
