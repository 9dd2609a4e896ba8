// npm run bench:handoff — agent registration rate over NATS, then handoff latency (p50/p99, ledger commit
// included) at a paced task rate with 10,000 agents registered. Deployed as in production: the registry is
// its own process (JetStream key-value store; BENCH_MONGO=1: MongoDB store), the ledger three consensus replica
// processes with file logs (BENCH_LEDGER_LOG=memory: in-memory logs), this process only generates load.
// Writes bench/results/handoff.json. Sizes: BENCH_AGENTS (100000), BENCH_HANDOFF_AGENTS (10000),
// BENCH_RATES (50,150,1000 tasks/s, one paced phase each), BENCH_SECONDS (5), BENCH_BATCH (500 agents per batch registration),
// BENCH_DIRECTORY_FEED (watch: the directory follows the KV watch; announce: core NATS announcements).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { spawnService, startTestServers, type ChildService } from '@ossa/testing';
import { KvRegistryStore } from '../services/registry/src/agents/kv-registry.store';
import { percentile } from './bench-support';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sla = { responseTimeMs: 200, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

function agent(i: number) {
  return {
    id: `bench-agent-${i}`,
    name: `Agent ${i}`,
    type: 'executor',
    capabilities: [{ id: `cap-${i % 50}`, name: `cap ${i % 50}`, version: '1.0', cost: { baseUnits: 5 + (i % 7), scalingFactor: 1.2 }, sla }],
    state: 'available',
    currentLoad: 0,
    maxLoad: 1_000_000,
    sla,
    trustScore: 0.5 + (i % 50) / 100,
    metadata: { region: 'bench', tags: ['bench'] },
  };
}

function task(i: number) {
  return {
    id: `bench-task-${i}`,
    requiredCapabilities: [{ capabilityId: `cap-${i % 50}`, version: '1.0', weight: 1 }],
    priority: 'high',
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    budget: { maxCost: 1000, maxTokens: 100000, currency: 'tokens' },
    metadata: { estimatedDuration: 1, complexity: 'simple' },
  };
}

async function request(nc: NatsConnection, subject: string, body: unknown): Promise<Record<string, unknown>> {
  const reply = JSON.parse(decoder.decode((await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 30_000 })).data));
  if (reply.error) throw new Error(JSON.stringify(reply.error));
  return reply;
}

async function registerAll(nc: NatsConnection, subject: string, count: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) await request(nc, subject, agent(next++));
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const ms = (sorted: number[], q: number) => +percentile(sorted, q).toFixed(2);

/** Handoff requests paced at `rate` per second for `seconds`: round trip and in-registry (durationMs) latency. */
async function paced(nc: NatsConnection, subject: string, rate: number, seconds: number, nextTask: () => Record<string, unknown>) {
  const count = rate * seconds;
  const latencies: number[] = [];
  const inService: number[] = [];
  let failures = 0;
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = nextTask();
    inFlight.push(
      (async () => {
        const t = performance.now();
        try {
          const reply = await request(nc, subject, body);
          latencies.push(performance.now() - t);
          inService.push(reply.durationMs as number);
        } catch {
          failures++;
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const achieved = (count - failures) / ((performance.now() - began) / 1000);
  latencies.sort((a, b) => a - b);
  inService.sort((a, b) => a - b);
  return {
    offeredRate: rate,
    achievedRate: Math.round(achieved),
    tasks: count,
    failures,
    p50Ms: ms(latencies, 0.5),
    p99Ms: ms(latencies, 0.99),
    maxMs: ms(latencies, 1),
    servicePhase: { p50Ms: ms(inService, 0.5), p99Ms: ms(inService, 0.99) },
  };
}

/** Sum and count of each handoff step from the registry's /metrics (ossa_handoff_step_seconds). */
async function stepTotals(metricsUrl: string): Promise<Map<string, { sum: number; count: number }>> {
  const text = await (await fetch(metricsUrl)).text();
  const totals = new Map<string, { sum: number; count: number }>();
  for (const m of text.matchAll(/^ossa_handoff_step_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
    const step = /(?:^|,)step="([^"]+)"/.exec(m[2])?.[1];
    if (!step) continue;
    const entry = totals.get(step) ?? { sum: 0, count: 0 };
    entry[m[1] as 'sum' | 'count'] = Number(m[3]);
    totals.set(step, entry);
  }
  return totals;
}

/** Mean milliseconds per handoff of each step between two readings (steps a handoff repeats count each time). */
function stepMeans(before: Map<string, { sum: number; count: number }>, after: Map<string, { sum: number; count: number }>, handoffs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [step, { sum }] of after) out[step] = +((((sum - (before.get(step)?.sum ?? 0)) * 1000) / Math.max(1, handoffs)).toFixed(2));
  return out;
}

/** Every process this bench started, stopped even when it fails. */
const spawned: ChildService[] = [];

async function registerBatches(nc: NatsConnection, subject: string, count: number, size: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const from = next;
        const to = (next = Math.min(count, next + size));
        const reply = await request(nc, subject, { agents: Array.from({ length: to - from }, (_, k) => agent(from + k)) });
        if ((reply.registered as number) !== to - from) throw new Error(`batch registered ${String(reply.registered)} of ${to - from}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_AGENTS ?? 100_000);
  const handoffAgents = Number(process.env.BENCH_HANDOFF_AGENTS ?? 10_000);
  const rates = (process.env.BENCH_RATES ?? process.env.BENCH_RATE ?? '50,150,1000').split(',').map(Number);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const batchSize = Number(process.env.BENCH_BATCH ?? 500);
  const ledgerLog = process.env.BENCH_LEDGER_LOG === 'memory' ? 'memory' : 'file';
  const servers = await startTestServers();
  const useMongo = process.env.BENCH_MONGO === '1' && servers.mongoUrl;
  const nc = await connect({ servers: servers.natsUrl });
  const directoryFeed = process.env.BENCH_DIRECTORY_FEED === 'announce' ? 'announce' : 'watch';
  const results: Record<string, unknown> = { store: useMongo ? 'mongodb' : 'jetstream-kv', directoryFeed, ledgerLog };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossa-bench-handoff-'));
  let metricsUrl = '';
  const start = async (prefix: string): Promise<ChildService[]> => {
    const env: Record<string, string> = {
      NATS_URL: servers.natsUrl,
      SUBJECT_PREFIX: prefix,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MONGO_DB_PREFIX: `bench_${process.pid}`,
      MONGO_URL: '',
    };
    const ids = ['r1', 'r2', 'r3'];
    const replicas = ids.map((id) =>
      spawnService('services/consensus/src/main.js', { ...env, REPLICA_ID: id, CONSENSUS_PEERS: ids.join(','), CONSENSUS_DATA_DIR: ledgerLog === 'memory' ? ':memory:' : path.join(dataDir, prefix) }),
    );
    const registry = spawnService('services/registry/src/main.js', {
      ...env,
      LOG_LEVEL: 'info',
      REGISTRY_MAX_AGENTS: String(Math.max(total, handoffAgents) + 10),
      BID_WINDOW_MS: '50',
      MAX_BIDDERS: '3',
      DIRECTORY_FEED: directoryFeed,
      ...(useMongo ? { MONGO_URL: servers.mongoUrl! } : {}),
    });
    spawned.push(...replicas, registry);
    metricsUrl = String((await registry.waitForLog((l) => l.msg === 'started', 60_000)).metrics);
    // The ledger is ready once a proposal commits.
    for (let attempt = 0; ; attempt++) {
      try {
        await request(nc, subjectsFor(prefix).request('consensus', 'propose'), { op: 'put', key: 'bench/ready', value: '1' });
        break;
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return [...replicas, registry];
  };
  const cleanup = async (prefix: string, running: ChildService[]) => {
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((c) => c.exited));
    const jsm = await nc.jetstreamManager();
    for (const name of Object.values(subjectsFor(prefix).streams)) await jsm.streams.delete(name).catch(() => undefined);
    await KvRegistryStore.destroy(nc.jetstream(), prefix);
  };

  // 1. Registration rate: one agent per request, then in batches.
  const regPrefix = `bench-reg-${process.pid}`;
  let running = await start(regPrefix);
  const perSecond = await registerAll(nc, subjectsFor(regPrefix).request('registry', 'agent.register'), total, 64);
  results.registration = { agents: total, clients: 64, perSecond: Math.round(perSecond) };
  process.stdout.write(`registration: ${total} agents at ${Math.round(perSecond)}/s (64 clients, one agent per request)\n`);
  await cleanup(regPrefix, running);
  running = await start(regPrefix);
  const batched = await registerBatches(nc, subjectsFor(regPrefix).request('registry', 'agent.register.batch'), total, batchSize, 8);
  results.batchRegistration = { agents: total, batchSize, clients: 8, perSecond: Math.round(batched) };
  process.stdout.write(`registration: ${total} agents at ${Math.round(batched)}/s (8 clients, ${batchSize} agents per request)\n`);
  await cleanup(regPrefix, running);

  // 2. Handoff latency at a paced rate with `handoffAgents` agents.
  const hoPrefix = `bench-ho-${process.pid}`;
  running = await start(hoPrefix);
  const subjects = subjectsFor(hoPrefix);
  await registerAll(nc, subjects.request('registry', 'agent.register'), handoffAgents, 64);
  for (let i = 0; i < 50; i++) await request(nc, subjects.request('registry', 'handoff.initiate'), { ...task(i), id: `warm-${i}` });
  const phases: Record<string, unknown>[] = [];
  let next = 0;
  for (const offered of rates) {
    const before = await stepTotals(metricsUrl);
    const phase = await paced(nc, subjects.request('registry', 'handoff.initiate'), offered, seconds, () => task(next++));
    const steps = stepMeans(before, await stepTotals(metricsUrl), phase.tasks - phase.failures);
    phases.push({ agents: handoffAgents, ...phase, stepMeansMs: steps });
    process.stdout.write(
      `handoff: ${handoffAgents} agents, offered ${offered}/s, achieved ${phase.achievedRate}/s, p50 ${phase.p50Ms} ms, p99 ${phase.p99Ms} ms ` +
        `(in the registry: p50 ${phase.servicePhase.p50Ms} ms, p99 ${phase.servicePhase.p99Ms} ms), failures ${phase.failures}\n` +
        `  mean per handoff: ${Object.entries(steps).map(([k, v]) => `${k} ${v} ms`).join(', ')}\n`,
    );
  }
  results.handoff = phases;
  await cleanup(hoPrefix, running);
  await nc.drain();
  await servers.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'handoff.json'), JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, ...results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  for (const child of spawned) child.kill('SIGKILL');
  process.exit(1);
});
