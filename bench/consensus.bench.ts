// npm run bench:consensus — committed proposals per second and latency (p50/p99) of the Raft ledger with three
// replicas as OS processes, for 1 and 64 concurrent clients, with the embedded file log and the MongoDB log;
// and, when etcd is installed, a three-member etcd on loopback measured the same way. Writes JSON to
// bench/results/consensus.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { spawnService, startTestServers, type ChildService } from '@ossa/testing';
import { percentile } from './bench-support';

const ROOT = path.resolve(__dirname, '..', '..');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Figures {
  system: string;
  log: string;
  clients: number;
  proposals: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}


/** Runs `total` operations with `clients` concurrent callers; each op resolves when committed. */
async function drive(clients: number, total: number, op: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: Math.round(total / seconds), p50Ms: +percentile(latencies, 0.5).toFixed(2), p99Ms: +percentile(latencies, 0.99).toFixed(2) };
}

async function ossaCluster(nc: NatsConnection, natsUrl: string, log: 'file' | 'mongo', mongoUrl?: string) {
  const prefix = `bench-${log}-${process.pid}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossa-bench-'));
  const ids = ['r1', 'r2', 'r3'];
  const children: ChildService[] = ids.map((id) =>
    spawnService('services/consensus/src/main.js', {
      NATS_URL: natsUrl,
      SUBJECT_PREFIX: prefix,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      REPLICA_ID: id,
      CONSENSUS_PEERS: ids.join(','),
      CONSENSUS_DATA_DIR: dataDir,
      MONGO_DB_PREFIX: `bench_${process.pid}`,
      ...(log === 'mongo' && mongoUrl ? { MONGO_URL: mongoUrl } : { MONGO_URL: '' }),
    }),
  );
  const status = async (id: string) =>
    JSON.parse(decoder.decode((await nc.request(`${prefix}.consensus.replica.${id}.status`, encoder.encode('{}'), { timeout: 2000 })).data)) as { leader: string | null };
  let leader: string | null = null;
  for (let attempt = 0; attempt < 200 && !leader; attempt++) {
    leader = await status('r1').then((s) => s.leader).catch(() => null);
    if (!leader) await new Promise((r) => setTimeout(r, 100));
  }
  if (!leader) throw new Error('no leader elected');
  const subject = `${prefix}.consensus.replica.${leader}.propose`;
  const propose = async (i: number) => {
    const reply = await nc.request(subject, encoder.encode(JSON.stringify({ op: 'put', key: `k${i % 1000}`, value: `v${i}` })), { timeout: 10_000 });
    const body = decoder.decode(reply.data);
    if (body.includes('"error"')) throw new Error(body);
  };
  return {
    propose,
    stop: async () => {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => c.exited));
      rmSync(dataDir, { recursive: true, force: true });
      const jsm = await nc.jetstreamManager();
      for (const s of ['TASKS', 'EVENTS', 'DLQ']) await jsm.streams.delete(`${prefix.toUpperCase()}_${s}`).catch(() => undefined);
    },
  };
}

async function etcdCluster() {
  const binary = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => existsSync(p));
  if (!binary) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-bench-'));
  const members = [0, 1, 2].map((i) => ({ name: `e${i}`, client: 23790 + i * 10, peer: 23800 + i * 10 }));
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const procs: ChildProcess[] = members.map((m) =>
    spawn(binary, [
      '--name', m.name, '--data-dir', path.join(dir, m.name),
      '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
      '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', `bench-${process.pid}`,
    ], { stdio: 'ignore', env: { ...process.env, ETCD_UNSUPPORTED_ARCH: os.arch() } }),
  );
  const base = `http://127.0.0.1:${members[0].client}`;
  const put = async (i: number) => {
    const res = await fetch(`${base}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from(`k${i % 1000}`).toString('base64'), value: Buffer.from(`v${i}`).toString('base64') }),
    });
    if (!res.ok) throw new Error(`etcd ${res.status}`);
    await res.arrayBuffer();
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await put(0);
      break;
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    propose: put,
    stop: async () => {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const single = Number(process.env.BENCH_SINGLE ?? 500);
  const many = Number(process.env.BENCH_MANY ?? 5000);
  const servers = await startTestServers();
  const nc = await connect({ servers: servers.natsUrl });
  const results: Figures[] = [];
  const run = async (system: string, log: string, cluster: { propose: (i: number) => Promise<void>; stop: () => Promise<void> }) => {
    try {
      await drive(8, 200, cluster.propose); // warm-up
      for (const [clients, total] of [[1, single], [64, many]] as const) {
        const f = await drive(clients, total, cluster.propose);
        results.push({ system, log, clients, proposals: total, ...f });
        process.stdout.write(`${system.padEnd(6)} ${log.padEnd(6)} clients=${String(clients).padEnd(3)} ${String(f.perSecond).padStart(6)}/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms\n`);
      }
    } finally {
      await cluster.stop();
    }
  };
  await run('ossa', 'file', await ossaCluster(nc, servers.natsUrl, 'file'));
  if (servers.mongoUrl) await run('ossa', 'mongo', await ossaCluster(nc, servers.natsUrl, 'mongo', servers.mongoUrl));
  else process.stdout.write(`MongoDB log skipped: ${servers.mongoUnavailable}\n`);
  const etcd = await etcdCluster();
  if (etcd) await run('etcd', 'wal', etcd);
  else process.stdout.write('etcd not installed (apt-get install etcd-server): no side-by-side figures\n');
  await nc.drain();
  await servers.stop();

  const ratios = results
    .filter((r) => r.system === 'ossa')
    .map((r) => {
      const e = results.find((x) => x.system === 'etcd' && x.clients === r.clients);
      return { log: r.log, clients: r.clients, throughputVsEtcd: e ? +(r.perSecond / e.perSecond).toFixed(2) : null, p50VsEtcd: e ? +(r.p50Ms / e.p50Ms).toFixed(2) : null };
    });
  console.table(results);
  console.table(ratios);
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'consensus.json'), JSON.stringify({ at: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, results, ratios }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
