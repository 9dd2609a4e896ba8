// npm run bench:handoff — agent registration rate over NATS, then handoff latency (p50/p99, ledger commit
// included) at a paced task rate with 10,000 agents registered. The registry runs in this process with its
// memory store (BENCH_MONGO=1: MongoDB store), with three in-process Raft replicas as the ledger.
// Writes bench/results/handoff.json. Sizes: BENCH_AGENTS (100000), BENCH_HANDOFF_AGENTS (10000),
// BENCH_RATE (1000 tasks/s), BENCH_SECONDS (5).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { startService, type RunningService } from '@ossa/runtime';
import { startLedger, startTestServers } from '@ossa/testing';
import { registryService } from '../services/registry/src/definition';

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

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_AGENTS ?? 100_000);
  const handoffAgents = Number(process.env.BENCH_HANDOFF_AGENTS ?? 10_000);
  const rate = Number(process.env.BENCH_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const servers = await startTestServers();
  const useMongo = process.env.BENCH_MONGO === '1' && servers.mongoUrl;
  const nc = await connect({ servers: servers.natsUrl });
  const results: Record<string, unknown> = { store: useMongo ? 'mongodb' : 'memory' };
  const start = async (prefix: string): Promise<RunningService[]> => {
    const env = { ...process.env, NATS_URL: servers.natsUrl, SUBJECT_PREFIX: prefix, HTTP_PORT: '0', CONSENSUS_HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'error', OSSA_EMBEDDED: '1', REGISTRY_MAX_AGENTS: String(Math.max(total, handoffAgents) + 10), BID_WINDOW_MS: '50', MAX_BIDDERS: '3', ...(useMongo ? { MONGO_URL: servers.mongoUrl! } : { MONGO_URL: '' }) };
    const ledger = await startLedger(env as Record<string, string>);
    return [...ledger, await startService(registryService, env)];
  };
  const cleanup = async (prefix: string, running: RunningService[]) => {
    await Promise.all(running.map((s) => s.close()));
    const jsm = await nc.jetstreamManager();
    for (const name of Object.values(subjectsFor(prefix).streams)) await jsm.streams.delete(name).catch(() => undefined);
  };

  // 1. Registration rate.
  const regPrefix = `bench-reg-${process.pid}`;
  let running = await start(regPrefix);
  const perSecond = await registerAll(nc, subjectsFor(regPrefix).request('registry', 'agent.register'), total, 64);
  results.registration = { agents: total, clients: 64, perSecond: Math.round(perSecond) };
  process.stdout.write(`registration: ${total} agents at ${Math.round(perSecond)}/s (64 clients)\n`);
  await cleanup(regPrefix, running);

  // 2. Handoff latency at a paced rate with `handoffAgents` agents.
  const hoPrefix = `bench-ho-${process.pid}`;
  running = await start(hoPrefix);
  const subjects = subjectsFor(hoPrefix);
  await registerAll(nc, subjects.request('registry', 'agent.register'), handoffAgents, 64);
  for (let i = 0; i < 50; i++) await request(nc, subjects.request('registry', 'handoff.initiate'), { ...task(i), id: `warm-${i}` });
  const count = rate * seconds;
  const latencies: number[] = [];
  let failures = 0;
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      (async () => {
        const t = performance.now();
        try {
          await request(nc, subjects.request('registry', 'handoff.initiate'), task(i));
          latencies.push(performance.now() - t);
        } catch {
          failures++;
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const achieved = count / ((performance.now() - began) / 1000);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
  results.handoff = { agents: handoffAgents, offeredRate: rate, achievedRate: Math.round(achieved), tasks: count, failures, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1) };
  process.stdout.write(`handoff: ${handoffAgents} agents, offered ${rate}/s, achieved ${Math.round(achieved)}/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, failures ${failures}\n`);
  await cleanup(hoPrefix, running);
  await nc.drain();
  await servers.stop();
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'handoff.json'), JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, ...results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
