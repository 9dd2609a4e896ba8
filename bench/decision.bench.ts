// In-process benchmark of the decision core: 1,000 stakeholders x 100 alternatives x 20 criteria.
// Figures, not pass/fail: printed as a table and written to bench/results/decision.json.
// Run: npm run bench:decision   (deterministic data from a fixed seed; override with DECISION_BENCH_SEED)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DECISION_CRITERIA,
  makeDecision,
  VOTING_SYSTEMS,
  type AnalysisMethod,
  type Ballot,
  type DecisionRequest,
  type Stakeholder,
  type VotingSystem,
} from '@ossa/decision';
import { percentile, random } from './bench-support';

export interface BenchShape {
  stakeholders: number;
  alternatives: number;
  criteria: number;
}

export interface BenchCase {
  name: string;
  votingSystem: VotingSystem;
  method: AnalysisMethod;
  ballots: boolean;
}

export interface BenchRow extends BenchCase {
  runs: number;
  minMs: number;
  /** Process CPU time (user + system) per run, median: steadier than wall time on a shared machine. */
  cpuMedianMs: number;
  medianMs: number;
  p95Ms: number;
  winner: string | null;
  confidence: number;
  biasFindings: number;
}

export const SHAPE: BenchShape = { stakeholders: 1000, alternatives: 100, criteria: 20 };
export const TARGET_MS = 50;

const CRITERIA = [
  ...DECISION_CRITERIA,
  'availability',
  'latency',
  'portability',
  'observability',
  'energy',
  'vendor_risk',
  'support',
  'accuracy',
  'throughput',
  'migration_effort',
];
const ROLES = ['executive', 'engineer', 'user', 'analyst', 'operator'];

/** A request whose ballots are noisy readings of a hidden true quality of each alternative. */
export function generateRequest(
  shape: BenchShape,
  seed: number,
  votingSystem: VotingSystem,
  method: AnalysisMethod,
  withBallots: boolean,
): DecisionRequest {
  const rnd = random(seed);
  const criteria = CRITERIA.slice(0, shape.criteria).map((criterion) => ({
    criterion,
    weight: 0.2 + rnd(),
    stakeholderAgreement: 0.5 + rnd() / 2,
    adjustable: true,
  }));
  const truth = Array.from({ length: shape.alternatives }, () => rnd());
  const alternatives = truth.map((t, i) => ({
    id: `alt-${String(i).padStart(3, '0')}`,
    name: `Alternative ${i}`,
    proposedBy: ROLES[i % ROLES.length],
    attributes: criteria.map((c) => ({
      criterion: c.criterion,
      value: 1 + 9 * Math.min(1, Math.max(0, t + (rnd() - 0.5) * 0.6)),
      confidence: 0.5 + rnd() / 2,
    })),
    impact: { reversibility: rnd() },
    risks: [{ description: 'integration risk', probability: rnd(), impact: rnd() }],
    dependencies: [],
    timeline: { planning: 10, implementation: 30, testing: 15, deployment: 5, total: 60 },
  }));
  const stakeholders: Stakeholder[] = Array.from({ length: shape.stakeholders }, (_, k) => ({
    id: `s-${String(k).padStart(4, '0')}`,
    role: ROLES[k % ROLES.length],
    influence: rnd(),
    votingWeight: rnd(),
    trustScore: rnd(),
    expertise: { domains: { quality: rnd(), security: rnd() }, credentialScore: rnd(), trackRecord: rnd() },
    interests: [],
    biasFactors: { cognitive: { anchoring: rnd() * 0.25 }, temporal: rnd() * 0.2 },
  }));
  const start = Date.parse('2026-01-01T00:00:00Z');
  const ballots: Ballot[] = withBallots
    ? stakeholders.map((s, k) => {
        const utility = truth.map((t) => t + (rnd() - 0.5) * 0.8);
        const ranking = alternatives
          .map((a, i) => ({ id: a.id, u: utility[i] }))
          .sort((x, y) => y.u - x.u)
          .map((x) => x.id);
        return { stakeholderId: s.id, ranking, castAt: new Date(start + k * 60_000).toISOString() };
      })
    : [];
  return {
    id: `bench-${seed}`,
    title: 'benchmark',
    alternatives,
    criteria,
    stakeholders,
    votingSystem,
    ballots,
    analysis: { method },
  };
}

export const CASES: BenchCase[] = [
  { name: 'analysis only, weighted sum', votingSystem: 'plurality', method: 'weighted_sum', ballots: false },
  { name: 'analysis only, TOPSIS', votingSystem: 'plurality', method: 'topsis', ballots: false },
  { name: 'analysis only, AHP', votingSystem: 'plurality', method: 'ahp', ballots: false },
  ...VOTING_SYSTEMS.map((votingSystem) => ({
    name: `${votingSystem} + weighted sum`,
    votingSystem,
    method: 'weighted_sum' as const,
    ballots: true,
  })),
  { name: 'condorcet + TOPSIS', votingSystem: 'condorcet', method: 'topsis', ballots: true },
  { name: 'borda + AHP', votingSystem: 'borda', method: 'ahp', ballots: true },
];


/** Times makeDecision for every case; the lead can add a NATS round-trip measurement beside this. */
export async function runInProcess(
  options: { shape?: BenchShape; seed?: number; runs?: number; warmup?: number } = {},
): Promise<BenchRow[]> {
  const shape = options.shape ?? SHAPE;
  const seed = options.seed ?? 20260105;
  const runs = options.runs ?? 15;
  const warmup = options.warmup ?? 3;
  const now = '2026-01-05T00:00:00.000Z';
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    const request = generateRequest(shape, seed, c.votingSystem, c.method, c.ballots);
    for (let i = 0; i < warmup; i++) makeDecision(request, { now });
    const times: number[] = [];
    const cpu: number[] = [];
    let last = makeDecision(request, { now });
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      last = makeDecision(request, { now });
      times.push(performance.now() - t0);
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    rows.push({
      ...c,
      runs,
      minMs: times[0],
      medianMs: percentile(times, 0.5),
      p95Ms: percentile(times, 0.95),
      cpuMedianMs: percentile(cpu, 0.5),
      winner: last.winningAlternative?.id ?? null,
      confidence: last.confidence,
      biasFindings: last.biases.findings.length,
    });
  }
  return rows;
}

function printTable(rows: BenchRow[], shape: BenchShape): void {
  console.log(
    `decision core, in-process: ${shape.stakeholders} stakeholders x ${shape.alternatives} alternatives x ${shape.criteria} criteria (target <= ${TARGET_MS} ms)`,
  );
  const header = [
    'case',
    'median ms',
    'p95 ms',
    'min ms',
    'cpu ms',
    'winner',
    'confidence',
    'bias findings',
    `<= ${TARGET_MS} ms`,
  ];
  const body = rows.map((r) => [
    r.name,
    r.medianMs.toFixed(2),
    r.p95Ms.toFixed(2),
    r.minMs.toFixed(2),
    r.cpuMedianMs.toFixed(2),
    r.winner ?? '-',
    r.confidence.toFixed(3),
    String(r.biasFindings),
    r.medianMs <= TARGET_MS ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
  const load = os.loadavg()[0];
  console.log(
    `\n${os.cpus().length} CPUs, load average ${load.toFixed(2)} (wall times inflate when the machine is busy; see cpu ms)`,
  );
}

async function main(): Promise<void> {
  const seed = process.env.DECISION_BENCH_SEED ? Number(process.env.DECISION_BENCH_SEED) : 20260105;
  const rows = await runInProcess({ seed });
  printTable(rows, SHAPE);
  const { runOverNats } = await import('./decision-nats');
  const nats = await runOverNats([{ stakeholders: 100, alternatives: 20, criteria: 10 }, { stakeholders: 500, alternatives: 50, criteria: 20 }, SHAPE], seed);
  console.log(`\ndecision service over NATS (request to reply, ledger and event included; NATS max_payload ${nats.maxPayload} bytes)`);
  console.table(nats.rows.map((r) => ({ shape: `${r.shape.stakeholders}x${r.shape.alternatives}x${r.shape.criteria}`, case: r.case, payloadBytes: r.payloadBytes, medianMs: r.medianMs, p95Ms: r.p95Ms, serviceMedianMs: r.serviceMedianMs })));
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'decision.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        benchmark: 'decision',
        shape: SHAPE,
        seed,
        targetMs: TARGET_MS,
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: os.loadavg()[0],
        inProcess: rows,
        overNats: nats.rows,
        natsMaxPayload: nats.maxPayload,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `\nwritten ${path.relative(process.cwd(), file)} (seed ${seed}; replay: DECISION_BENCH_SEED=${seed} npm run bench:decision)`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
