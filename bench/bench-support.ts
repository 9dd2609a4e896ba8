// Helpers the benchmarks share.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Nearest-rank percentile of an ascending array, `q` in (0, 1]; NaN when the array is empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** mulberry32: small, fast, seedable; the same seed gives the same workload on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Measured {
  /** Completed operations per second (failed ones not counted). */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations that failed (e.g. a consensus timeout); the run goes on without them. */
  errors: number;
  /** The first failure's message, when there was one. */
  firstError?: string;
}

/** Runs `total` operations with `clients` concurrent callers, each waiting for its previous operation. */
export async function drive(
  clients: number,
  total: number,
  op: (i: number) => Promise<void>,
): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        try {
          await op(i);
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: +percentile(latencies, 0.5).toFixed(2),
    p99Ms: +percentile(latencies, 0.99).toFixed(2),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const started = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` when this process exits, however it exits: a bench never leaves servers or replicas behind. */
export function killOnExit(child: ChildProcess): void {
  started.add(child);
  child.once('exit', () => started.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of started) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}
