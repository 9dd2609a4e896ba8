// npm run sim -- --seeds N --first S [--nodes 3|5] [--steps K] [--bug commit-rule|vote-rule|stale-read|no-sessions] [--trace]
import type { TestingBugs } from '../raft/types';
import { runSimulation } from './simulator';

interface CliArgs {
  seeds: number;
  first: number;
  nodes?: number;
  steps?: number;
  bug?: 'commit-rule' | 'vote-rule' | 'stale-read' | 'no-sessions';
  trace: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { seeds: 100, first: 1, trace: false };
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
      if (
        value !== 'commit-rule' &&
        value !== 'vote-rule' &&
        value !== 'stale-read' &&
        value !== 'no-sessions'
      ) {
        throw new Error('--bug must be commit-rule, vote-rule, stale-read or no-sessions');
      }
      args.bug = value;
      i++;
    } else if (flag === '--trace') args.trace = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

export function bugsFor(bug: CliArgs['bug']): TestingBugs | undefined {
  if (bug === 'commit-rule') return { commitRule: true };
  if (bug === 'vote-rule') return { voteRule: true };
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

if (require.main === module) process.exitCode = main();
