// npm run sim -- --seeds N --first S [--nodes 3|5] [--steps K] [--bug <name>] [--mutations] [--trace]
import type { TestingBugs } from '../raft/types';
import { runSimulation } from './simulator';

const BUGS = [
  'commit-rule',
  'vote-rule',
  'read-no-noop',
  'read-no-quorum',
  'stale-read',
  'no-sessions',
] as const;
type Bug = (typeof BUGS)[number];

const SAFETY = ['ElectionSafety', 'LogMatching', 'LeaderCompleteness', 'StateMachineSafety'];
/** The invariants each deliberately broken rule breaks; a core exception does not count as catching it. */
export const MUTATIONS: Record<Bug, string[]> = {
  'vote-rule': SAFETY,
  'commit-rule': SAFETY,
  'read-no-noop': ['Linearizability'],
  'read-no-quorum': ['Linearizability'],
  'stale-read': ['Linearizability'],
  'no-sessions': ['Linearizability'],
};

export interface MutationReport {
  bug: Bug;
  /** First seed whose run broke one of the bug's invariants, or null. */
  caughtAt: number | null;
  invariant: string | null;
  /** Seeds before it that failed otherwise (a core assertion, another invariant). */
  otherFailures: number;
}

/** Runs seeds with one broken rule until one of its invariants catches it. */
export function hunt(bug: Bug, first: number, seeds: number, nodes?: number): MutationReport {
  const report: MutationReport = { bug, caughtAt: null, invariant: null, otherFailures: 0 };
  for (let seed = first; seed < first + seeds; seed++) {
    const r = runSimulation({
      seed,
      nodes,
      bugs: bugsFor(bug),
      staleReads: bug === 'stale-read',
      noSessions: bug === 'no-sessions',
    });
    if (r.ok) continue;
    if (MUTATIONS[bug].includes(r.violation?.invariant ?? '')) {
      report.caughtAt = seed;
      report.invariant = r.violation!.invariant;
      return report;
    }
    report.otherFailures++;
  }
  return report;
}

interface CliArgs {
  seeds: number;
  first: number;
  nodes?: number;
  steps?: number;
  bug?: Bug;
  mutations: boolean;
  trace: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { seeds: 100, first: 1, trace: false, mutations: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`${flag} needs a non-negative integer, got "${value}"`);
      i++;
      return n;
    };
    if (flag === '--seeds') args.seeds = int();
    else if (flag === '--first') args.first = int();
    else if (flag === '--nodes') {
      args.nodes = int();
      if (args.nodes !== 3 && args.nodes !== 5) throw new Error('--nodes must be 3 or 5');
    } else if (flag === '--steps') args.steps = int();
    else if (flag === '--bug') {
      if (!(BUGS as readonly string[]).includes(value))
        throw new Error(`--bug must be one of ${BUGS.join(', ')}`);
      args.bug = value as Bug;
      i++;
    } else if (flag === '--trace') args.trace = true;
    else if (flag === '--mutations') args.mutations = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

export function bugsFor(bug: CliArgs['bug']): TestingBugs | undefined {
  if (bug === 'commit-rule') return { commitRule: true };
  if (bug === 'vote-rule') return { voteRule: true };
  if (bug === 'read-no-noop') return { readIndexNoNoopWait: true };
  if (bug === 'read-no-quorum') return { readIndexNoQuorum: true };
  return undefined;
}

export function replayCommand(seed: number, args: Pick<CliArgs, 'nodes' | 'steps' | 'bug'>): string {
  const parts = ['npm run sim -- --seeds 1 --first', String(seed)];
  if (args.nodes !== undefined) parts.push('--nodes', String(args.nodes));
  if (args.steps !== undefined) parts.push('--steps', String(args.steps));
  if (args.bug !== undefined) parts.push('--bug', args.bug);
  return parts.join(' ');
}

function main(): number {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (args.mutations) return mutations(args);
  const started = process.hrtime.bigint();
  let failed = 0;
  let steps = 0;
  let commits = 0;
  for (let seed = args.first; seed < args.first + args.seeds; seed++) {
    const result = runSimulation({
      seed,
      nodes: args.nodes,
      steps: args.steps,
      bugs: bugsFor(args.bug),
      staleReads: args.bug === 'stale-read',
      noSessions: args.bug === 'no-sessions',
      trace: args.trace,
    });
    steps += result.stats.steps;
    commits += result.stats.committed;
    if (args.trace) for (const line of result.trace) console.log(line);
    if (result.ok) continue;
    failed++;
    console.log(`seed ${seed} FAILED (${result.nodes} replicas): ${result.violation?.message}`);
    console.log(`  replay: ${replayCommand(seed, args)}   (add --trace for the event log)`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = (args.seeds / seconds).toFixed(1);
  const last = args.first + args.seeds - 1;
  console.log(
    `sim: ${args.seeds} seeds (${args.first}..${last})${args.bug ? ` with bug ${args.bug}` : ''}: ` +
      `${args.seeds - failed} passed, ${failed} failed; ${steps} steps, ${commits} commits; ${seconds.toFixed(1)} s, ${rate} seeds/s`,
  );
  return failed > 0 ? 1 : 0;
}

/** Proves every deliberately broken rule is caught by the invariant it breaks within the seed budget. */
function mutations(args: CliArgs): number {
  let missed = 0;
  for (const bug of BUGS) {
    const r = hunt(bug, args.first, args.seeds, args.nodes);
    if (r.caughtAt === null) missed++;
    const found =
      r.caughtAt === null
        ? `NOT caught in ${args.seeds} seeds`
        : `caught by ${r.invariant} at seed ${r.caughtAt}`;
    const other = r.otherFailures > 0 ? ` (${r.otherFailures} earlier seeds failed otherwise)` : '';
    console.log(`mutation ${bug}: ${found}${other}`);
  }
  console.log(`sim mutations: ${BUGS.length - missed} of ${BUGS.length} caught by their invariants`);
  return missed > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
