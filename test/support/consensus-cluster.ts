import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NatsConnection } from 'nats';
import { isErrorEnvelope, type ErrorEnvelope } from '@ossa/contracts';
import { spawnService, type ChildService } from './child-service';
import { subjectsFor } from '@ossa/contracts';
import { deleteStreams, natsUrl, requestJson, testConnection, uniquePrefix } from './harness';

export interface ReplicaStatus {
  replicaId: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  lastLogIndex: number;
  firstLogIndex: number;
  peers: string[];
  member?: boolean;
  loop?: { state: string; reason?: string };
}

export interface LeaderLog {
  replica: string;
  term: number;
}

/** Consensus replicas as separate OS processes over real NATS, each with its own log. */
export class ConsensusCluster {
  readonly children = new Map<string, ChildService>();
  readonly leaderships: LeaderLog[] = [];
  private readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossa-raft-'));

  /** Set by connect(). */
  nc!: NatsConnection;

  constructor(
    readonly prefix: string,
    readonly ids: string[],
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async connect(): Promise<void> {
    this.nc = await testConnection();
  }

  env(id: string): Record<string, string> {
    return {
      NATS_URL: natsUrl(),
      SUBJECT_PREFIX: this.prefix,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      INSTANCE_ID: `replica-${id}`,
      REPLICA_ID: id,
      CONSENSUS_PEERS: this.ids.join(','),
      CONSENSUS_DATA_DIR: this.dataDir,
      CONSENSUS_FAULT_INJECTION: '1',
      ELECTION_TIMEOUT_MS: '300',
      HEARTBEAT_MS: '50',
      REQUEST_TIMEOUT_MS: '4000',
      // Children inherit the test's environment, where global setup puts MONGO_URL: without this a cluster meant
      // for file logs would keep its logs in MongoDB (and leave its databases behind). A cluster given MONGO_URL
      // in its env uses MongoDB.
      MONGO_URL: '',
      ...this.extraEnv,
    };
  }

  /**
   * Starts (or restarts) a replica and resolves once it serves requests. A start takes about 1.5 s of CPU (mostly
   * loading modules); a start still working on it is waited for (see waitForLog's whileBusy).
   */
  async start(id: string, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ChildService> {
    const child = spawnService('services/consensus/src/main.js', { ...this.env(id), ...env });
    this.children.set(id, child);
    await child.waitForLog((l) => l.msg === 'started', timeoutMs, { whileBusy: true });
    return child;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  /** Resolves with the next leadership (term > afterTerm) any live replica logs. */
  async nextLeader(afterTerm = 0, timeoutMs = 20_000): Promise<LeaderLog> {
    const isLeader = (l: Record<string, unknown>) =>
      l.msg === 'raft role' && l.role === 'leader' && (l.term as number) > afterTerm;
    const waits = [...this.children.entries()]
      .filter(([, c]) => c.process.exitCode === null && c.process.signalCode === null)
      .map(([id, c]) =>
        c.waitForLog(isLeader, timeoutMs).then((l) => ({ replica: id, term: l.term as number })),
      );
    return Promise.any(waits);
  }

  /** The leader as the live replicas report it; when none reports one yet, waits for the next leadership. */
  async leaderNow(): Promise<{ leader: string; term: number }> {
    for (;;) {
      const live = [...this.children.entries()]
        .filter(([, c]) => c.process.exitCode === null && c.process.signalCode === null)
        .map(([id]) => id);
      const statuses = await Promise.all(live.map((id) => this.status(id).catch(() => null)));
      const known = statuses.filter((s): s is ReplicaStatus => s !== null);
      const leaders = known.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term);
      if (leaders.length > 0) return { leader: leaders[0].replicaId, term: leaders[0].term };
      await this.nextLeader(Math.max(0, ...known.map((s) => s.term)) - 1);
    }
  }

  /** Every leadership any replica has logged so far: at most one leader per term is the Election Safety check. */
  allLeaderships(): LeaderLog[] {
    const out: LeaderLog[] = [];
    for (const [id, c] of this.children)
      for (const l of c.logs)
        if (l.msg === 'raft role' && l.role === 'leader') out.push({ replica: id, term: l.term as number });
    return out;
  }

  kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.children.get(id)!;
    child.kill(signal);
    return child.exited;
  }

  subject(id: string, action: string): string {
    return `${this.prefix}.consensus.replica.${id}.${action}`;
  }

  status(id: string): Promise<ReplicaStatus> {
    return requestJson<ReplicaStatus>(this.nc, this.subject(id, 'status'), {});
  }

  /**
   * How long a client waits for a replica's answer: the replica's own deadline (REQUEST_TIMEOUT_MS, after which
   * it answers CONSENSUS_TIMEOUT) and some slack for a loaded machine, so a test sees the replica's verdict
   * rather than giving up on a request the replica is still working on.
   */
  replyWithinMs(): number {
    return Number(this.env('').REQUEST_TIMEOUT_MS) + 5000;
  }

  /** Propose through one replica (it forwards to the leader) or through the service's queue group. */
  propose<T = unknown>(
    body: Record<string, unknown>,
    via?: string,
    timeoutMs = this.replyWithinMs(),
  ): Promise<T | ErrorEnvelope> {
    const subject = via ? this.subject(via, 'propose') : `${this.prefix}.consensus.propose`;
    return requestJson<T | ErrorEnvelope>(this.nc, subject, body, { timeoutMs });
  }

  read(
    key: string,
    via: string,
  ): Promise<{ key: string; value: string | null; index: number } | ErrorEnvelope> {
    return requestJson(this.nc, this.subject(via, 'read'), { key }, { timeoutMs: this.replyWithinMs() });
  }

  /** Starts a replica that joins the running cluster whose voters are `voters` (CONSENSUS_JOIN=1). */
  startJoiner(id: string, voters: string[], timeoutMs = 60_000): Promise<ChildService> {
    return this.start(id, { CONSENSUS_JOIN: '1', CONSENSUS_PEERS: [...voters, id].join(',') }, timeoutMs);
  }

  /** An admin request (membership change, leadership transfer) through the service subject or one replica's. */
  admin<T = unknown>(
    action: 'add' | 'remove' | 'transfer',
    body: Record<string, unknown>,
    via?: string,
    timeoutMs = this.replyWithinMs(),
  ): Promise<T | ErrorEnvelope> {
    const service = {
      add: 'admin.replica.add',
      remove: 'admin.replica.remove',
      transfer: 'admin.leader.transfer',
    }[action];
    const subject = via ? this.subject(via, `admin.${action}`) : `${this.prefix}.consensus.${service}`;
    return requestJson<T | ErrorEnvelope>(this.nc, subject, body, { timeoutMs });
  }

  /** Cuts Raft traffic between `id` and `peers` in both directions (or heals it with an empty list). */
  async isolate(id: string, peers: string[]): Promise<void> {
    await requestJson(this.nc, this.subject(id, 'fault'), { isolate: peers });
    for (const p of peers) await requestJson(this.nc, this.subject(p, 'fault'), { isolate: [id] });
  }

  async heal(): Promise<void> {
    for (const [id, c] of this.children)
      if (c.process.exitCode === null && c.process.signalCode === null)
        await requestJson(this.nc, this.subject(id, 'fault'), { isolate: [] });
  }

  async stop(): Promise<void> {
    const exits = [...this.children.values()]
      .filter((c) => c.process.exitCode === null && c.process.signalCode === null)
      .map((c) => (c.kill('SIGTERM'), c.exited));
    await Promise.all(exits);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export { isErrorEnvelope };

/**
 * A cluster of `ids` for the enclosing describe block: started once a leader is elected, then stopped,
 * `cleanup` run and the suite's streams removed afterwards.
 */
export function useCluster(
  suite: string,
  ids: string[],
  options: { env?: Record<string, string>; cleanup?: (cluster: ConsensusCluster) => Promise<void> } = {},
): ConsensusCluster {
  const cluster = new ConsensusCluster(uniquePrefix(suite), ids, options.env);
  beforeAll(async () => {
    await cluster.connect();
    await cluster.startAll();
    await cluster.nextLeader();
  });
  afterAll(async () => {
    await cluster.stop();
    await options.cleanup?.(cluster);
    await deleteStreams(cluster.nc, subjectsFor(cluster.prefix));
    await cluster.nc.drain();
  });
  return cluster;
}

/** Election Safety (§5.2) over every leadership the cluster logged: one leader per term, and at least one seen. */
export function expectOneLeaderPerTerm(cluster: ConsensusCluster): void {
  const byTerm = new Map<number, Set<string>>();
  for (const l of cluster.allLeaderships())
    byTerm.set(l.term, (byTerm.get(l.term) ?? new Set()).add(l.replica));
  // At least one leadership was seen, so the loop below checks something.
  expect(byTerm.size).toBeGreaterThan(0);
  for (const [term, leaders] of byTerm)
    expect({ term, leaders: [...leaders] }).toEqual({ term, leaders: [expect.any(String)] });
}
