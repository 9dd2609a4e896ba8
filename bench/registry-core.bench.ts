// In-process micro-benchmark of the registry core: capability index lookup, then scoring + ranking of the
// candidates, with 10,000 and 100,000 agents. Figures, not pass/fail: printed as a table and written to
// bench/results/registry-core.json.
// Run: npm run build && node dist/bench/registry-core.bench.js  (fixed seed; override with REGISTRY_BENCH_SEED)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AgentIndex,
  findCandidates,
  scoreAndRank,
  type AgentState,
  type HandoffTask,
  type OfferedCapability,
  type RegistryAgent,
} from '@ossa/registry';
import { percentile, random } from './bench-support';

export interface QueryShape {
  name: string;
  /** What the query asks for, in words. */
  describe: string;
  makeTask: (rnd: () => number, k: number) => HandoffTask;
}

export interface Row {
  agents: number;
  query: string;
  queries: number;
  meanCandidates: number;
  lookupP50Ms: number;
  lookupP99Ms: number;
  scoreP50Ms: number;
  scoreP99Ms: number;
  totalP50Ms: number;
  totalP99Ms: number;
  /** Process CPU time (user + system) per query, mean over the batch: steadier than wall time on a busy machine. */
  totalCpuMeanMs: number;
  /** A full scan of every agent (findCandidates over the array) for comparison; 20 runs. */
  scanP50Ms: number;
}

const CAPABILITIES = 500;
const POPULAR = 'cap-popular';
const NOW = Date.parse('2026-01-05T10:00:00.000Z');
/** The service invites the best few to bid, so only those need ranking. */
const TOP_K = 10;

const capId = (i: number) => `cap-${String(i).padStart(3, '0')}`;

function makeAgents(count: number, rnd: () => number): RegistryAgent[] {
  const states: AgentState[] = [
    'available',
    'available',
    'available',
    'available',
    'available',
    'available',
    'available',
    'available',
    'busy',
    'offline',
  ];
  return Array.from({ length: count }, (_, i) => {
    const capabilities: OfferedCapability[] = [];
    const n = 1 + Math.floor(rnd() * 4);
    for (let j = 0; j < n; j++) {
      capabilities.push({
        id: capId(Math.floor(rnd() * CAPABILITIES)),
        version: `${1 + Math.floor(rnd() * 2)}.${Math.floor(rnd() * 4)}`,
        cost: { baseUnits: 1 + Math.floor(rnd() * 50), scalingFactor: 1 + rnd(), currency: 'tokens' },
        sla: {
          responseTimeMs: 50 + Math.floor(rnd() * 2000),
          availabilityPercent: 99 + rnd(),
          errorRatePercent: rnd(),
        },
      });
    }
    if (rnd() < 0.1) capabilities.push({ id: POPULAR, version: '1.0' });
    const maxLoad = 10 + Math.floor(rnd() * 90);
    return {
      id: `agent-${String(i).padStart(6, '0')}`,
      capabilities,
      state: states[Math.floor(rnd() * states.length)],
      currentLoad: Math.floor(rnd() * maxLoad),
      maxLoad,
      trustScore: rnd(),
      lastHeartbeat: new Date(NOW - Math.floor(rnd() * 10_000)).toISOString(),
    };
  });
}

function baseTask(k: number, rnd: () => number): Omit<HandoffTask, 'requiredCapabilities'> {
  return {
    id: `task-${k}`,
    priority: (['critical', 'high', 'medium', 'low'] as const)[k % 4],
    deadline: new Date(NOW + 60_000 + Math.floor(rnd() * 3_600_000)).toISOString(),
    budget: { maxTokens: 500 },
    slaRequirements: { responseTimeMs: 1000, availabilityPercent: 99.5, errorRatePercent: 0.5 },
    metadata: { estimatedDuration: Math.floor(rnd() * 600), complexity: 'moderate' },
  };
}

export const QUERIES: QueryShape[] = [
  {
    name: 'one capability',
    describe: `1 of ${CAPABILITIES} capabilities, version 1.0`,
    makeTask: (rnd, k) => ({
      ...baseTask(k, rnd),
      requiredCapabilities: [{ capabilityId: capId(Math.floor(rnd() * CAPABILITIES)), version: '1.0' }],
    }),
  },
  {
    name: 'two capabilities + alternative',
    describe: 'two capabilities, the second with one alternative',
    makeTask: (rnd, k) => ({
      ...baseTask(k, rnd),
      requiredCapabilities: [
        { capabilityId: capId(Math.floor(rnd() * CAPABILITIES)), weight: 2 },
        {
          capabilityId: capId(Math.floor(rnd() * CAPABILITIES)),
          alternatives: [capId(Math.floor(rnd() * CAPABILITIES))],
        },
      ],
    }),
  },
  {
    name: 'popular capability (10% of agents)',
    describe: 'one capability every tenth agent offers',
    makeTask: (rnd, k) => ({ ...baseTask(k, rnd), requiredCapabilities: [{ capabilityId: POPULAR }] }),
  },
];


function measure(
  agents: RegistryAgent[],
  index: AgentIndex,
  query: QueryShape,
  seed: number,
  queries: number,
): Row {
  const rnd = random(seed);
  const tasks = Array.from({ length: queries }, (_, k) => query.makeTask(rnd, k));
  for (const task of tasks.slice(0, 50))
    scoreAndRank(task, index.findCandidates(task, NOW).candidates, NOW, undefined, TOP_K);
  const lookup: number[] = [];
  const score: number[] = [];
  const total: number[] = [];
  let candidates = 0;
  const cpu0 = process.cpuUsage();
  for (const task of tasks) {
    const t0 = performance.now();
    const search = index.findCandidates(task, NOW, { heartbeatTimeoutMs: 30_000 });
    const t1 = performance.now();
    scoreAndRank(task, search.candidates, NOW, undefined, TOP_K);
    const t2 = performance.now();
    lookup.push(t1 - t0);
    score.push(t2 - t1);
    total.push(t2 - t0);
    candidates += search.candidates.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const scan: number[] = [];
  for (const task of tasks.slice(0, 20)) {
    const t0 = performance.now();
    findCandidates(task, agents, NOW, { heartbeatTimeoutMs: 30_000 });
    scan.push(performance.now() - t0);
  }
  for (const xs of [lookup, score, total, scan]) xs.sort((a, b) => a - b);
  return {
    agents: agents.length,
    query: query.name,
    queries,
    meanCandidates: candidates / queries,
    lookupP50Ms: percentile(lookup, 0.5),
    lookupP99Ms: percentile(lookup, 0.99),
    scoreP50Ms: percentile(score, 0.5),
    scoreP99Ms: percentile(score, 0.99),
    totalP50Ms: percentile(total, 0.5),
    totalP99Ms: percentile(total, 0.99),
    totalCpuMeanMs: (cpu.user + cpu.system) / 1000 / queries,
    scanP50Ms: percentile(scan, 0.5),
  };
}

export function run(seed: number, sizes: number[] = [10_000, 100_000], queries = 1000) {
  const builds: { agents: number; upsertMs: number; upsertsPerSecond: number }[] = [];
  const rows: Row[] = [];
  for (const size of sizes) {
    const agents = makeAgents(size, random(seed + size));
    const index = new AgentIndex();
    const t0 = performance.now();
    for (const agent of agents) index.upsert(agent);
    const upsertMs = performance.now() - t0;
    builds.push({ agents: size, upsertMs, upsertsPerSecond: size / (upsertMs / 1000) });
    // The popular query touches a tenth of the registry; fewer runs keep the benchmark short.
    for (const query of QUERIES)
      rows.push(
        measure(agents, index, query, seed, query.name.startsWith('popular') ? queries / 5 : queries),
      );
  }
  return { builds, rows };
}

const fmt = (x: number) => (x < 10 ? x.toFixed(3) : x.toFixed(1));

function main(): void {
  const seed = process.env.REGISTRY_BENCH_SEED ? Number(process.env.REGISTRY_BENCH_SEED) : 20260105;
  const { builds, rows } = run(seed);
  console.log(
    `registry core, in-process (${CAPABILITIES} capability ids, 1-4 per agent; ms per query; top ${TOP_K} ranked)`,
  );
  for (const b of builds)
    console.log(
      `index ${b.agents} agents: ${fmt(b.upsertMs)} ms (${Math.round(b.upsertsPerSecond)} upserts/s)`,
    );
  console.log(
    [
      'agents',
      'query',
      'cands',
      'lookup p50/p99',
      'score+rank p50/p99',
      'total p50/p99',
      'cpu/query',
      'full scan p50',
    ].join(' | '),
  );
  for (const r of rows) {
    console.log(
      [
        r.agents,
        r.query,
        r.meanCandidates.toFixed(0),
        `${fmt(r.lookupP50Ms)} / ${fmt(r.lookupP99Ms)}`,
        `${fmt(r.scoreP50Ms)} / ${fmt(r.scoreP99Ms)}`,
        `${fmt(r.totalP50Ms)} / ${fmt(r.totalP99Ms)}`,
        fmt(r.totalCpuMeanMs),
        fmt(r.scanP50Ms),
      ].join(' | '),
    );
  }
  const file = path.join(process.cwd(), 'bench', 'results', 'registry-core.json');
  mkdirSync(path.dirname(file), { recursive: true });
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: Number(os.loadavg()[0].toFixed(2)),
  };
  writeFileSync(
    file,
    JSON.stringify(
      {
        benchmark: 'registry-core',
        seed,
        capabilityIds: CAPABILITIES,
        topK: TOP_K,
        ...machine,
        builds,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `\nwritten ${path.relative(process.cwd(), file)} (seed ${seed}; replay: REGISTRY_BENCH_SEED=${seed})`,
  );
}

if (require.main === module) main();
