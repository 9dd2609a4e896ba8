// Sums the self time of a V8 .cpuprofile (`node --cpu-prof`) by function and by phase of the commit path.
//   node dist/bench/cpuprofile-summary.js FILE.cpuprofile [...]
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Percent of the sampled wall time, idle included. */
  pctAll: number;
  /** Percent of the time the thread was not idle. */
  pctBusy: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  phases: Share[];
  functions: Share[];
  /** Inclusive time (self and callees) of the commit path's steps. */
  steps: Share[];
}

/** Steps of the commit path by `function@script`; a sample counts once for each step on its stack. */
export const STEPS: Record<string, string> = {
  'handleReady@replica-node.js': 'Ready handling (persist, send, apply)',
  'writeRecords@file-replica-log.js': 'log write + fdatasync',
  'applyCommitted@replica-node.js': 'apply committed entries and answer',
  'publish@event-publisher.js': 'consensusReached event (JetStream publish)',
  'execute@ValidationExecutor.js': 'proposal validation (class-validator)',
  'plainToInstance@ClassTransformer.js': 'proposal transform (class-transformer)',
  'checkLedgerCommand@ledger-check.js': 'proposal checks (plain, libs/contracts)',
  'checkLedgerBatch@ledger-check.js': 'proposal checks (plain, libs/contracts)',
  'handleMessage@ossa-nats.transport.js': 'request handling (transport, NestJS pipeline, handler, reply)',
  'proposeBatch@replica-host.js': 'batch proposal (replica host)',
  'publishBatch@event-publisher.js': 'consensusReached events (batched publish)',
  'decodeCommand@ledger.js': 'command decode (JSON)',
  'encodeMessage@wire.js': 'peer message encode (wire.ts)',
  'decodeMessage@wire.js': 'peer message decode (wire.ts)',
  'step@raft.js': 'Raft step',
};

/** Steps by the script a frame comes from: every sample with such a frame on its stack counts once. */
export const SCRIPT_STEPS: Record<string, string> = {
  '/node_modules/@nestjs/': 'under a NestJS frame (RPC pipeline and what it calls)',
};

/**
 * The phase a frame's self time belongs to, from its function name and script; a native frame (no script)
 * is placed by its caller's script (`callerUrl`), so a socket write and a file write are told apart.
 */
export function phaseOf(functionName: string, url: string, callerUrl = ''): string {
  if (functionName === '(idle)') return 'idle (waiting for I/O: NATS, timers)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8/native, unattributed';
  if (/^f(data)?sync(Sync)?$/.test(functionName)) return 'fsync (fdatasyncSync)';
  if (url === '' && /^node:(internal\/stream_base_commons|net)/.test(callerUrl))
    return 'socket I/O (NATS, HTTP)';
  if (url === '' && /^node:(fs|internal\/fs)/.test(callerUrl)) return 'file write and read';
  if (/base64/i.test(functionName)) return 'base64 encode/decode';
  if (url === '' && /^(parse|stringify)$/.test(functionName)) return 'JSON parse/stringify';
  if (url.includes('/services/consensus/src/replica/wire.')) return 'peer encoding (wire.ts)';
  if (/\/node_modules\/(nats|@nats-io)\//.test(url)) return 'NATS client';
  if (/\/node_modules\/(mongodb|bson|mongoose)\//.test(url)) return 'MongoDB driver';
  if (url.includes('/libs/consensus/')) return 'Raft core and ledger (libs/consensus)';
  if (url.includes('/libs/persistence/')) return 'replica log (libs/persistence)';
  if (url.includes('/services/consensus/')) return 'replica service (services/consensus)';
  if (url.includes('/node_modules/')) return 'other libraries (NestJS, pino, prom-client, …)';
  if (url.startsWith('node:')) return 'Node internals (streams, timers, net)';
  if (url.includes('/libs/')) return 'other project libs (messaging, runtime, observability)';
  return 'other native';
}

function share(name: string, us: number, wallUs: number, busyUs: number): Share {
  return {
    name,
    ms: +(us / 1000).toFixed(1),
    pctAll: +((100 * us) / wallUs).toFixed(1),
    pctBusy: name.startsWith('idle') || name.startsWith('(idle)') ? 0 : +((100 * us) / busyUs).toFixed(1),
  };
}

/**
 * `window`: only samples taken in [fromUs, toUs] of the monotonic clock (V8's profile clock and
 * `process.hrtime` are both CLOCK_MONOTONIC), so start-up and shutdown stay out of the figures.
 */
export function summarise(file: string, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const selfUs = new Map<number, number>();
  // A sample lasts until the next one: timeDeltas[i + 1] belongs to samples[i].
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + us);
  }
  const fnUs = new Map<string, number>();
  const phaseUs = new Map<string, number>();
  const stepUs = new Map<string, number>();
  let wallUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    wallUs += us;
    if (functionName === '(idle)') idleUs += us;
    const where = url
      ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '')}:${lineNumber + 1}`
      : 'native';
    const key = `${functionName || '(anonymous)'} ${where}`;
    fnUs.set(key, (fnUs.get(key) ?? 0) + us);
    const phase = phaseOf(functionName, url, parentOf.get(id)?.callFrame.url);
    phaseUs.set(phase, (phaseUs.get(phase) ?? 0) + us);
    if (functionName === '(idle)') continue;
    const onStack = new Set<string>();
    for (let n: ProfileNode | undefined = byId.get(id); n; n = parentOf.get(n.id)) {
      const step = STEPS[`${n.callFrame.functionName}@${path.basename(n.callFrame.url)}`];
      if (step) onStack.add(step);
      for (const [script, name] of Object.entries(SCRIPT_STEPS)) if (n.callFrame.url.includes(script)) onStack.add(name);
    }
    for (const step of onStack) stepUs.set(step, (stepUs.get(step) ?? 0) + us);
  }
  const busyUs = Math.max(1, wallUs - idleUs);
  const sorted = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => share(name, us, wallUs, busyUs));
  return {
    file: path.basename(file),
    wallMs: +(wallUs / 1000).toFixed(0),
    busyMs: +(busyUs / 1000).toFixed(0),
    phases: sorted(phaseUs),
    functions: sorted(fnUs).slice(0, top),
    steps: sorted(stepUs),
  };
}

export function printSummary(
  s: ProfileSummary,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  out(
    `${s.file}: ${s.wallMs} ms sampled, ${s.busyMs} ms busy (${((100 * s.busyMs) / s.wallMs).toFixed(0)}%)`,
  );
  out('  phase                                              ms   %wall  %busy');
  for (const p of s.phases)
    out(
      `  ${p.name.padEnd(48)} ${String(p.ms).padStart(8)} ${String(p.pctAll).padStart(6)} ${String(p.pctBusy).padStart(6)}`,
    );
  out('  commit-path steps, inclusive                         ms  %busy');
  for (const p of s.steps)
    out(`  ${p.name.padEnd(48)} ${String(p.ms).padStart(8)} ${String(p.pctBusy).padStart(6)}`);
  out('  top functions by self time                                                       ms   %busy');
  for (const f of s.functions)
    out(`  ${f.name.slice(0, 78).padEnd(78)} ${String(f.ms).padStart(8)} ${String(f.pctBusy).padStart(6)}`);
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node dist/bench/cpuprofile-summary.js FILE.cpuprofile [...]\n');
    process.exit(2);
  }
  for (const f of files) printSummary(summarise(f));
}
