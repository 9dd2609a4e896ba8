// npm run bench:consensus — committed proposals per second and latency (p50/p99) of the Raft ledger with three
// replicas as OS processes, driven on the leader, with the embedded file log and the MongoDB log; and, in the
// same run, a three-member etcd 3.4 on loopback driven on its leader through gRPC by etcd's own benchmark tool
// (the fair figures the ratios use) and through its JSON gateway. Same client counts for every system.
// Our clusters are driven two ways: `request`, one command per NATS request (as etcd's tool sends one put per
// RPC), and `ledger-client`, the services' LedgerClient shared by the concurrent callers, which sends the
// commands queued in one turn of its event loop as one batch request.
// Writes bench/results/consensus.json. etcd must be installed (apt-get install -y etcd-server etcd-client).
//   BENCH_ROUNDS=3  BENCH_CLIENTS=1,64  BENCH_SINGLE=500 (proposals at one client)  BENCH_MANY=5000 (at more clients)
//   BENCH_OSSA_DRIVERS=request,ledger-client  how our clusters are driven (both by default)
//   BENCH_BASELINE=DIR  also a file-log cluster run from another build's dist/ (e.g. main's), driven per request,
//                       taking turns with the others: before and after in one run (build "baseline")
//   BENCH_CPU_PROF=DIR  instead: file log only, replicas under `node --cpu-prof`, one cluster per client count,
//                       then self time by function and phase (bench/results/consensus-profile.json); driven by
//                       BENCH_PROFILE_DRIVER (request or ledger-client; default ledger-client).
import { mkdirSync, readdirSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { connect, type NatsConnection } from 'nats';
import { LedgerClient, NatsClient, NatsConnectionService } from '@ossa/messaging';
import { deleteStreams, spawnService, startTestServers, subjectsFor, type ChildService } from '@ossa/testing';
import { drive, killOnExit, type Measured } from './bench-support';
import { printSummary, summarise, type ProfileSummary } from './cpuprofile-summary';
import { assertEtcdInstalled, startEtcd } from './etcd-cluster';

const ROOT = path.resolve(__dirname, '..', '..');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Driver = 'request' | 'ledger-client';

interface Figures extends Measured {
  system: 'ossa' | 'etcd';
  /** ossa: the replica log (file, mongo); etcd: the client path (grpc, json-gateway). */
  log: string;
  /** ossa: how it was driven (one command per request, or LedgerClient's batches); etcd: its own tool or fetch. */
  driver?: Driver;
  /** ossa: `current` (this checkout) or `baseline` (BENCH_BASELINE). */
  build?: 'current' | 'baseline';
  clients: number;
  proposals: number;
}

interface OssaCluster {
  leader: string;
  pids: Map<string, number>;
  /** One put per NATS request on the leader's own subject. */
  propose(i: number): Promise<void>;
  /** One put through a LedgerClient shared by every concurrent caller (batches what one turn queues). */
  ledgerPut(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Drops the replica databases a MongoDB-log cluster of this run created. */
async function dropDatabases(mongoUrl: string, prefix: string): Promise<void> {
  const client = await MongoClient.connect(mongoUrl);
  try {
    const { databases } = await client.db().admin().listDatabases({ nameOnly: true });
    for (const d of databases) if (d.name.startsWith(`${prefix}_`)) await client.db(d.name).dropDatabase();
  } finally {
    await client.close();
  }
}

async function ossaCluster(
  nc: NatsConnection,
  natsUrl: string,
  log: 'file' | 'mongo',
  mongoUrl?: string,
  dist?: string,
): Promise<OssaCluster> {
  const tag = dist ? `${log}-base` : log;
  const prefix = `bench-${tag}-${process.pid}-${Date.now() % 1e6}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossa-bench-'));
  const dbPrefix = `bench_${process.pid}_${tag.replace('-', '_')}`;
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
      MONGO_DB_PREFIX: dbPrefix,
      ...(log === 'mongo' && mongoUrl ? { MONGO_URL: mongoUrl } : { MONGO_URL: '' }),
    }, { dist }),
  );
  for (const c of children) killOnExit(c.process);
  let ledgerConnection: NatsConnectionService | undefined;
  const stop = async () => {
    await ledgerConnection?.drain().catch(() => undefined);
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    rmSync(dataDir, { recursive: true, force: true });
    if (log === 'mongo' && mongoUrl) await dropDatabases(mongoUrl, dbPrefix);
    // Every stream the prefix made, the audit stream and key-value buckets included.
    await deleteStreams(nc, subjectsFor(prefix));
  };
  try {
    const status = async (id: string) =>
      JSON.parse(
        decoder.decode(
          (
            await nc.request(`${prefix}.consensus.replica.${id}.status`, encoder.encode('{}'), {
              timeout: 2000,
            })
          ).data,
        ),
      ) as { leader: string | null };
    // Start-up of three processes and their log stores is slow on a loaded machine: up to a minute.
    const deadline = Date.now() + 60_000;
    let leader: string | null = null;
    while (!leader && Date.now() < deadline) {
      leader = await status('r1')
        .then((s) => s.leader)
        .catch(() => null);
      if (!leader) await new Promise((r) => setTimeout(r, 100));
    }
    if (!leader) {
      const tails = children.map(
        (c, i) =>
          `${ids[i]}: ${[...c.stderr.slice(-3), ...c.logs.slice(-3).map((l) => JSON.stringify(l))].join(' | ') || '(nothing logged)'}`,
      );
      throw new Error(`no leader elected among the ${log}-log replicas within 60 s\n${tails.join('\n')}`);
    }
    const subject = `${prefix}.consensus.replica.${leader}.propose`;
    ledgerConnection = await NatsConnectionService.connect({ url: natsUrl, name: `bench/${tag}`, subjects: subjectsFor(prefix) });
    const ledger = new LedgerClient(new NatsClient(ledgerConnection), 10_000);
    return {
      leader,
      pids: new Map(ids.map((id, i) => [id, children[i].process.pid ?? -1])),
      propose: async (i) => {
        const reply = await nc.request(
          subject,
          encoder.encode(JSON.stringify({ op: 'put', key: `k${i % 1000}`, value: `v${i}` })),
          { timeout: 10_000 },
        );
        const body = decoder.decode(reply.data);
        if (body.includes('"error"')) throw new Error(body);
      },
      ledgerPut: async (i) => {
        if (!(await ledger.put(`k${i % 1000}`, `v${i}`))) throw new Error('no consensus replica answered');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const label = (f: Pick<Figures, 'system' | 'log' | 'driver' | 'build'>) =>
  f.system === 'etcd' ? f.log : `${f.log}${f.build === 'baseline' ? '@baseline' : ''}/${f.driver}`;

const line = (f: Figures) =>
  `${f.system.padEnd(5)} ${label(f).padEnd(27)} clients=${String(f.clients).padEnd(3)} ${String(f.perSecond).padStart(6)}/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms${f.errors ? `  ${f.errors} failed (${f.firstError ?? 'see etcd output'})` : ''}\n`;

function settings() {
  const clientCounts = (process.env.BENCH_CLIENTS ?? '1,64').split(',').map(Number);
  if (clientCounts.some((c) => !Number.isSafeInteger(c) || c < 1 || c > 1024))
    throw new Error('BENCH_CLIENTS: comma-separated integers in 1..1024');
  const single = Number(process.env.BENCH_SINGLE ?? 500);
  const many = Number(process.env.BENCH_MANY ?? 5000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error('BENCH_ROUNDS: a positive integer');
  const drivers = (process.env.BENCH_OSSA_DRIVERS ?? 'request,ledger-client').split(',') as Driver[];
  if (drivers.some((d) => d !== 'request' && d !== 'ledger-client')) throw new Error('BENCH_OSSA_DRIVERS: request and/or ledger-client');
  const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
  return { rounds, drivers, baseline, plan: clientCounts.map((clients) => [clients, clients === 1 ? single : many] as const) };
}

interface Target {
  system: Figures['system'];
  log: string;
  driver?: Driver;
  build?: Figures['build'];
  run(clients: number, total: number): Promise<Measured>;
}

const sameTarget = (a: Omit<Target, 'run'>, b: Omit<Target, 'run'>) =>
  a.system === b.system && a.log === b.log && a.driver === b.driver && a.build === b.build;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Every cluster runs for the whole comparison and the measurements take turns (round by round, client count by
 * client count), so load from elsewhere on this shared machine falls on all systems alike; each figure is the
 * median over the rounds.
 */
async function compare(): Promise<void> {
  assertEtcdInstalled(); // before anything starts: fail at once with what to install
  const { plan, rounds, drivers, baseline } = settings();
  const servers = await startTestServers();
  const nc = await connect({ servers: servers.natsUrl });
  const perRound: (Figures & { round: number })[] = [];
  const stops: (() => Promise<void>)[] = [];
  const load = { before: os.loadavg().map((x) => +x.toFixed(2)), after: [] as number[] };
  try {
    if (!servers.mongoUrl)
      throw new Error(
        `the MongoDB log needs FerretDB (bash scripts/ferretdb.sh start): ${servers.mongoUnavailable}`,
      );
    const targets: Target[] = [];
    if (baseline) {
      const cluster = await ossaCluster(nc, servers.natsUrl, 'file', undefined, baseline);
      stops.push(cluster.stop);
      targets.push({ system: 'ossa', log: 'file', driver: 'request', build: 'baseline', run: (clients, total) => drive(clients, total, cluster.propose) });
    }
    for (const log of ['file', 'mongo'] as const) {
      const cluster = await ossaCluster(nc, servers.natsUrl, log, servers.mongoUrl);
      stops.push(cluster.stop);
      for (const driver of drivers)
        targets.push({
          system: 'ossa',
          log,
          driver,
          build: 'current',
          run: (clients, total) => drive(clients, total, driver === 'request' ? cluster.propose : cluster.ledgerPut),
        });
    }
    const etcd = await startEtcd(ROOT);
    stops.push(etcd.stop);
    process.stdout.write(`etcd leader: ${etcd.leader}\n`);
    targets.push({ system: 'etcd', log: 'grpc', run: (clients, total) => etcd.grpcPut(clients, total) });
    targets.push({
      system: 'etcd',
      log: 'json-gateway',
      run: (clients, total) => drive(clients, total, etcd.gatewayPut),
    });
    for (const t of targets) await t.run(8, 200); // warm-up
    for (let round = 1; round <= rounds; round++)
      for (const [clients, total] of plan)
        for (const t of targets) {
          const f = {
            round,
            system: t.system,
            log: t.log,
            ...(t.driver ? { driver: t.driver, build: t.build } : {}),
            clients,
            proposals: total,
            ...(await t.run(clients, total)),
          };
          perRound.push(f);
          process.stdout.write(`round ${round} ${line(f)}`);
        }
  } finally {
    for (const stop of stops.reverse())
      await stop().catch((err) => console.error('stopping a cluster failed:', err));
    await nc.drain();
    await servers.stop();
    load.after = os.loadavg().map((x) => +x.toFixed(2));
  }

  const results: Figures[] = [];
  for (const f of perRound.filter((x) => x.round === 1)) {
    const same = perRound.filter((x) => sameTarget(x, f) && x.clients === f.clients);
    results.push({
      system: f.system,
      log: f.log,
      ...(f.driver ? { driver: f.driver, build: f.build } : {}),
      clients: f.clients,
      proposals: f.proposals,
      perSecond: median(same.map((x) => x.perSecond)),
      p50Ms: median(same.map((x) => x.p50Ms)),
      p99Ms: median(same.map((x) => x.p99Ms)),
      errors: same.reduce((n, x) => n + x.errors, 0),
    });
  }
  // Ratios against etcd through gRPC on its leader; the gateway figures are kept for reference only.
  const ratios = results
    .filter((r) => r.system === 'ossa')
    .map((r) => {
      const e = results.find((x) => x.system === 'etcd' && x.log === 'grpc' && x.clients === r.clients);
      return {
        log: r.log,
        driver: r.driver,
        build: r.build,
        clients: r.clients,
        throughputVsEtcd: e ? +(r.perSecond / e.perSecond).toFixed(2) : null,
        p50VsEtcd: e ? +(r.p50Ms / e.p50Ms).toFixed(2) : null,
      };
    });
  console.table(results);
  console.table(ratios);
  process.stdout.write(
    `load average (1, 5, 15 min) before ${load.before.join(' ')}, after ${load.after.join(' ')}; medians of ${rounds} rounds\n`,
  );
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const etcdSetup =
    'etcd 3.4 (Debian), three members on loopback; grpc: tools/benchmark v3.5.11 put on the leader, --conns=1, 8-byte keys and values over 1,000 keys; json-gateway: /v3/kv/put on the leader from Node fetch';
  writeFileSync(
    path.join(out, 'consensus.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: os.cpus().length, node: process.version, loadavg: load },
        etcd: etcdSetup,
        rounds: perRound,
        results,
        ratios,
      },
      null,
      2,
    ),
  );
}

/** File log only; each client count on a fresh cluster whose replicas write a CPU profile when they stop. */
async function profile(dir: string): Promise<void> {
  const { plan } = settings();
  const driver: Driver = process.env.BENCH_PROFILE_DRIVER === 'request' ? 'request' : 'ledger-client';
  const servers = await startTestServers();
  const nc = await connect({ servers: servers.natsUrl });
  const summaries: {
    clients: number;
    driver: Driver;
    replica: string;
    role: string;
    figures: Measured;
    summary: ProfileSummary;
  }[] = [];
  try {
    for (const [clients, total] of plan) {
      const profDir = path.resolve(dir, `clients-${clients}`);
      rmSync(profDir, { recursive: true, force: true });
      mkdirSync(profDir, { recursive: true });
      process.env.OSSA_CHILD_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profDir}`;
      const cluster = await ossaCluster(nc, servers.natsUrl, 'file');
      delete process.env.OSSA_CHILD_NODE_ARGS;
      let figures: Measured;
      const nowUs = () => Number(process.hrtime.bigint() / 1000n);
      let window = { fromUs: 0, toUs: 0 };
      const op = driver === 'request' ? cluster.propose : cluster.ledgerPut;
      try {
        await drive(8, 200, op);
        window = { fromUs: nowUs(), toUs: 0 };
        figures = await drive(clients, total, op);
        window.toUs = nowUs();
        process.stdout.write(
          `profiled: file log/${driver}, clients=${clients}: ${figures.perSecond}/s p50 ${figures.p50Ms} ms p99 ${figures.p99Ms} ms\n`,
        );
      } finally {
        await cluster.stop();
      }
      for (const [id, pid] of cluster.pids) {
        const file = readdirSync(profDir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`replica ${id} (pid ${pid}) wrote no profile into ${profDir}`);
        const summary = summarise(path.join(profDir, file), window);
        const role = id === cluster.leader ? 'leader' : 'follower';
        summaries.push({ clients, driver, replica: id, role, figures, summary });
        process.stdout.write(`\n== clients=${clients} ${role} ${id}\n`);
        printSummary(summary);
      }
    }
  } finally {
    await nc.drain();
    await servers.stop();
  }
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'consensus-profile.json'),
    JSON.stringify(
      { at: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, summaries },
      null,
      2,
    ),
  );
}

const profileDir = process.env.BENCH_CPU_PROF;
(profileDir ? profile(profileDir) : compare()).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
