// A three-member etcd 3.4 on loopback for the consensus bench: started from Debian's etcd-server, its leader
// found with `etcdctl endpoint status`, loaded through gRPC by etcd's own benchmark tool (scripts/etcd-bench.sh)
// and, for comparison with earlier figures, through its JSON gateway on the same leader.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, killOnExit, type Measured } from './bench-support';

const run = promisify(execFile);
const ETCD = '/usr/bin/etcd';
const ETCDCTL = '/usr/bin/etcdctl';

export interface EtcdCluster {
  /** host:port of the member that leads. */
  leader: string;
  /** etcd's benchmark tool, `put` with `clients` gRPC clients on one connection, on the leader. */
  grpcPut(clients: number, total: number): Promise<Measured>;
  /** One put through the JSON gateway (`/v3/kv/put`) of the leader. */
  gatewayPut(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Fails with what to install when etcd or etcdctl is missing: the bench compares against etcd in the same run. */
export function assertEtcdInstalled(): void {
  const missing = [ETCD, ETCDCTL].filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(
      `etcd 3.4 is needed for the side-by-side figures and ${missing.join(' and ')} is missing: apt-get install -y etcd-server etcd-client`,
    );
}

/** Builds (once, into the cache) and returns the path of etcd's benchmark tool. */
export async function etcdBenchmarkTool(root: string): Promise<string> {
  const { stdout } = await run('bash', [path.join(root, 'scripts', 'etcd-bench.sh'), 'build'], {
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

/** Parses the summary etcd's benchmark tool prints (`Requests/sec:`, `50% in … secs.`). */
export function parseBenchmarkOutput(text: string): Measured {
  const perSecond = /Requests\/sec:\s*([\d.]+)/.exec(text);
  const p50 = /50% in ([\d.]+) secs/.exec(text);
  const p99 = /99% in ([\d.]+) secs/.exec(text);
  if (!perSecond || !p50 || !p99) throw new Error(`etcd benchmark printed no summary:\n${text.slice(-2000)}`);
  // The tool counts failed requests in its error distribution; none is expected on an idle cluster.
  const errors = /Error distribution:\n((?:\s+\[\d+\].*\n?)*)/.exec(text);
  const failed = errors ? [...errors[1].matchAll(/\[(\d+)\]/g)].reduce((n, m) => n + Number(m[1]), 0) : 0;
  return {
    errors: failed,
    perSecond: Math.round(Number(perSecond[1])),
    p50Ms: +(Number(p50[1]) * 1000).toFixed(2),
    p99Ms: +(Number(p99[1]) * 1000).toFixed(2),
  };
}

/** The endpoint whose member id is the leader id it reports; ids are uint64, so compared as digit strings. */
export function leaderEndpoint(statusJson: string): string | null {
  const statuses = JSON.parse(statusJson.replace(/("(?:member_id|leader)":)(\d+)/g, '$1"$2"')) as {
    Endpoint: string;
    Status: { header: { member_id: string }; leader: string };
  }[];
  const leader = statuses.find(
    (s) => s.Status.leader !== '0' && s.Status.header.member_id === s.Status.leader,
  );
  return leader ? leader.Endpoint : null;
}

export async function startEtcd(root: string): Promise<EtcdCluster> {
  assertEtcdInstalled();
  const tool = await etcdBenchmarkTool(root);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-bench-'));
  const members = await Promise.all(
    [0, 1, 2].map(async (i) => ({ name: `e${i}`, client: await freePort(), peer: await freePort() })),
  );
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const procs: ChildProcess[] = [];
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await Promise.all(
      procs.map(
        (p) =>
          new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r))),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const m of members) {
      const p = spawn(
        ETCD,
        [
          '--name',
          m.name,
          '--data-dir',
          path.join(dir, m.name),
          '--log-level',
          'error',
          '--listen-client-urls',
          `http://127.0.0.1:${m.client}`,
          '--advertise-client-urls',
          `http://127.0.0.1:${m.client}`,
          '--listen-peer-urls',
          `http://127.0.0.1:${m.peer}`,
          '--initial-advertise-peer-urls',
          `http://127.0.0.1:${m.peer}`,
          '--initial-cluster',
          initial,
          '--initial-cluster-state',
          'new',
          '--initial-cluster-token',
          `bench-${process.pid}`,
        ],
        { stdio: 'ignore' },
      );
      procs.push(p);
      killOnExit(p);
    }
    const endpoints = members.map((m) => `127.0.0.1:${m.client}`).join(',');
    let leader: string | null = null;
    for (let attempt = 0; attempt < 100 && !leader; attempt++) {
      const dead = procs.find((p) => p.exitCode !== null);
      if (dead) throw new Error(`an etcd member exited with code ${dead.exitCode} while starting`);
      leader = await run(ETCDCTL, ['--endpoints', endpoints, 'endpoint', 'status', '-w', 'json'], {
        env: { ...process.env, ETCDCTL_API: '3' },
      })
        .then(({ stdout }) => leaderEndpoint(stdout))
        .catch(() => null);
      if (!leader) await new Promise((r) => setTimeout(r, 200));
    }
    if (!leader) throw new Error('etcd elected no leader within 20 s');
    const leaderEp = leader;
    return {
      leader: leaderEp,
      grpcPut: async (clients, total) => {
        const { stdout } = await run(
          tool,
          [
            'put',
            `--endpoints=${leaderEp}`,
            `--clients=${clients}`,
            '--conns=1',
            `--total=${total}`,
            '--key-size=8',
            '--val-size=8',
            '--key-space-size=1000',
            '--precise',
          ],
          { maxBuffer: 16 << 20 },
        );
        return parseBenchmarkOutput(stdout);
      },
      gatewayPut: async (i) => {
        const res = await fetch(`http://${leaderEp}/v3/kv/put`, {
          method: 'POST',
          body: JSON.stringify({
            key: Buffer.from(`k${i % 1000}`).toString('base64'),
            value: Buffer.from(`v${i}`).toString('base64'),
          }),
        });
        if (!res.ok) throw new Error(`etcd gateway answered ${res.status}`);
        await res.arrayBuffer();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
