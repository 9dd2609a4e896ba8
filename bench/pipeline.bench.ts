// The request pipeline alone: ping round trips at 1 and 64 concurrent callers, and a ~90 KB decision request,
// against the decision service run as a child process from one or more builds (`--build name=distDir`), so an
// old and a new pipeline are measured in one run on one machine. The builds run side by side and take turns
// in slices of each case.
//   npm run bench:pipeline -- --build before=/path/to/old/dist --build after=dist
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { startTestServers } from '@ossa/testing';
import { percentile } from './bench-support';
import { generateRequest } from './decision.bench';

interface Build {
  name: string;
  dist: string;
}

interface Row {
  build: string;
  case: string;
  callers: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parseBuilds(argv: string[]): Build[] {
  const builds: Build[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--build') continue;
    const [name, dist] = (argv[++i] ?? '').split('=');
    if (!name || !dist) throw new Error('--build takes name=distDir');
    builds.push({ name, dist: path.resolve(dist) });
  }
  return builds.length ? builds : [{ name: 'current', dist: path.resolve('dist') }];
}

async function startDecision(build: Build, natsUrl: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(build.dist, 'services/decision/src/main.js')], {
    env: { ...process.env, NATS_URL: natsUrl, SUBJECT_PREFIX: prefix, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'error', MAX_PAYLOAD_BYTES: String(1024 * 1024) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('OSSA Coordination:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${build.name}: decision service exited with ${code} before it started`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** `total` requests from `callers` concurrent callers; returns the sorted latencies and the elapsed time. */
async function drive(nc: NatsConnection, subject: string, body: Uint8Array, callers: number, total: number): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        const reply = JSON.parse(decoder.decode((await nc.request(subject, body, { timeout: 30_000 })).data)) as { error?: unknown };
        if (reply.error) throw new Error(`${subject}: ${JSON.stringify(reply.error).slice(0, 300)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), elapsedMs: performance.now() - started };
}

async function main(): Promise<void> {
  const builds = parseBuilds(process.argv.slice(2));
  const rounds = Number(process.env.PIPELINE_ROUNDS ?? 5);
  const servers = await startTestServers();
  const nc = await connect({ servers: servers.natsUrl });
  const decision = { ...generateRequest({ stakeholders: 130, alternatives: 12, criteria: 8 }, 7, 'borda', 'weighted_sum', true), deadline: new Date(Date.now() + 86_400_000).toISOString() };
  const decisionBody = encoder.encode(JSON.stringify(decision));
  const cases = [
    { case: 'ping', callers: 1, requests: 2000, body: encoder.encode('{}'), action: 'ping' },
    { case: 'ping', callers: 64, requests: 20000, body: encoder.encode('{}'), action: 'ping' },
    { case: `decision ${Math.round(decisionBody.byteLength / 1024)} KB`, callers: 1, requests: 60, body: decisionBody, action: 'make' },
  ];
  const samples = new Map<string, { latencies: number[]; elapsedMs: number; requests: number }>();
  try {
    for (let round = 0; round < rounds; round++) {
      // Every build runs at once and the requests take turns in small slices, so a change in the machine's
      // load (other work on a shared machine) falls on both builds alike.
      const running = await Promise.all(builds.map(async (build) => ({ build, prefix: `bench-pipeline-${process.pid}-${build.name}-${round}` })));
      const children = await Promise.all(running.map((r) => startDecision(r.build, servers.natsUrl, r.prefix)));
      try {
        for (const c of cases) {
          const slices = 10;
          for (const r of running) {
            const subjects = subjectsFor(r.prefix);
            await drive(nc, c.action === 'ping' ? subjects.ping('decision') : subjects.request('decision', 'make'), c.body, c.callers, Math.min(200, c.requests)); // warm-up
          }
          for (let slice = 0; slice < slices; slice++) {
            for (const r of running) {
              const subjects = subjectsFor(r.prefix);
              const subject = c.action === 'ping' ? subjects.ping('decision') : subjects.request('decision', 'make');
              const run = await drive(nc, subject, c.body, c.callers, Math.ceil(c.requests / slices));
              const key = `${r.build.name}|${c.case}|${c.callers}`;
              const acc = samples.get(key) ?? { latencies: [], elapsedMs: 0, requests: 0 };
              acc.latencies.push(...run.latencies);
              acc.elapsedMs += run.elapsedMs;
              acc.requests += run.latencies.length;
              samples.set(key, acc);
            }
          }
        }
      } finally {
        await Promise.all(children.map(stop));
      }
    }
  } finally {
    await nc.close();
    await servers.stop();
  }
  const rows: Row[] = [...samples].map(([key, s]) => {
    const [build, name, callers] = key.split('|');
    const sorted = s.latencies.sort((a, b) => a - b);
    return { build, case: name, callers: Number(callers), requests: s.requests, p50Ms: round3(percentile(sorted, 0.5)), p99Ms: round3(percentile(sorted, 0.99)), perSecond: Math.round(s.requests / (s.elapsedMs / 1000)) };
  });
  console.table(rows);
  const outDir = path.resolve('bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'pipeline.json'), JSON.stringify({ at: new Date().toISOString(), rounds, builds, rows }, null, 2));
  console.log(`written ${path.join(outDir, 'pipeline.json')}`);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
