import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import mongoose, { type Connection } from 'mongoose';
import path from 'node:path';
import { MemoryReplicaLog, type LedgerCommand, type ReplicaLog } from '@ossa/consensus';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  EVENT_NAMES,
  isErrorEnvelope,
  OssaError,
  type ErrorEnvelope,
  type LeaderTransferReply,
  type LedgerBatchItem,
  type LedgerBatchReply,
  type LedgerProposeReply,
  type MembershipChangeReply,
  type ReplicaAction,
} from '@ossa/contracts';
import { EventPublisher, LOGGER, NatsClient, NatsConnectionService, NoRespondersError, RemoteError, RequestTimeoutError } from '@ossa/messaging';
import { HealthRegistry, type Logger } from '@ossa/observability';
import { databaseName } from '@ossa/persistence';
import { FileReplicaLog, MongoReplicaLog } from '@ossa/replica-log';
import { ServiceConfig } from '@ossa/runtime';
import { ConsensusConfig } from './consensus-config';
import { ConsensusMetrics } from './consensus.metrics';
import { LocalSession } from './local-session';
import { MembershipAdmin, MembershipError } from './membership-admin';
import { ReplicaError, ReplicaNode } from './replica-node';

/** Room a batch reply keeps below max_payload for its envelope and the message header. */
const REPLY_HEADROOM_BYTES = 4096;

/** Most consensusReached events under one acknowledgement. */
const MAX_EVENT_BATCH = 256;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReadReply {
  key: string;
  value: string | null;
  index: number;
}

/**
 * One consensus replica in this process: its log (MongoDB database of its own, or an embedded file), the
 * Raft node, and proposals/reads that follow the leader wherever it is. Its subjects are served by the
 * controllers beside it.
 */
@Injectable()
export class ReplicaHost implements OnModuleInit, OnApplicationShutdown {
  node!: ReplicaNode;
  private connection?: Connection;
  private readonly session = new LocalSession();
  private admin!: MembershipAdmin;
  /** The subject of Raft traffic to each peer. */
  private readonly raftSubjects = new Map<string, string>();
  /** consensusReached events waiting for the end of this turn of the event loop. */
  private reached: { data: unknown; id: string }[] = [];

  constructor(
    @Inject(ConsensusConfig) readonly config: ConsensusConfig,
    @Inject(ServiceConfig) private readonly service: ServiceConfig,
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(NatsClient) private readonly client: NatsClient,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(ConsensusMetrics) private readonly metrics: ConsensusMetrics,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const id = this.config.REPLICA_ID;
    const log = await this.openLog();
    this.node = new ReplicaNode({
      id,
      peers: this.config.peers,
      join: this.config.CONSENSUS_JOIN === '1',
      log,
      electionTimeoutMs: this.config.ELECTION_TIMEOUT_MS,
      heartbeatMs: this.config.HEARTBEAT_MS,
      snapshotEvery: this.config.CONSENSUS_SNAPSHOT_EVERY,
      snapshotCatchUpEntries: this.config.CONSENSUS_SNAPSHOT_CATCHUP_ENTRIES,
      maxPayload: this.nats.nc.info?.max_payload,
      transport: { publish: (to, frame) => this.publish(to, frame) },
      onSendFailed: (m) => this.metrics.peerSendFailed(m.type),
      onRoleChange: (role, term, leader) => {
        this.logger.info({ role, term, leader }, 'raft role');
        this.metrics.observeStatus(this.node.status());
        if (role === 'leader') {
          this.metrics.becameLeader();
          this.fireEvent(EVENT_NAMES.leaderElected, { replicaId: id, term, peers: this.node.status().peers }, `leaderElected:${term}:${id}`);
        }
      },
      onApplied: ({ index, term, command, result, local }) => {
        if (!local) return;
        this.queueConsensusReached({ algorithm: 'raft', index, term, op: command.op, key: command.key, applied: result.applied, replicaId: id }, `consensusReached:${index}:${term}`);
      },
      onFatal: (err) => this.stopOnFailure(err),
    });
    await this.node.start();
    this.admin = new MembershipAdmin(this.node);
    this.watchMembership();
    this.health.register('raft', async () => {
      const s = this.node.status();
      const loop = this.node.loopState();
      return { raft: { status: loop.state === 'running' ? 'up' : 'down', loop, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex } };
    });
  }

  // After the transport has stopped receiving and answered what was in flight.
  async onApplicationShutdown(): Promise<void> {
    await this.node?.stop();
    await this.connection?.close();
  }

  /** When a request received now must be answered by. */
  deadline(): number {
    return Date.now() + this.config.REQUEST_TIMEOUT_MS;
  }

  /**
   * Bytes from a peer: checked before they reach Raft; anything malformed or forged is dropped and counted. The
   * subject's last token is the sender (`…replica.<self>.raft.<from>`): the server lets a replica publish only
   * with its own id there, so a body claiming another sender is dropped as forged.
   */
  receive(bytes: Uint8Array, subject: string): void {
    const sender = subject.slice(subject.lastIndexOf('.') + 1);
    const dropped = this.node.receive(bytes, sender);
    if (dropped) this.metrics.peerMessageDropped(dropped.reason);
  }

  /** Fault injection: drop Raft traffic to and from these replicas. */
  isolate(replicaIds: string[]) {
    this.node.isolate(replicaIds);
    this.logger.warn({ isolate: replicaIds }, 'fault injection: isolating replicas');
    return { replicaId: this.config.REPLICA_ID, isolated: replicaIds };
  }

  status() {
    const s = this.node.status();
    this.metrics.observeStatus(s);
    return { ...s, algorithm: 'raft' as const, loop: this.node.loopState() };
  }

  /** The loop stopped on a storage failure: say which, once, and stop the process so a supervisor restarts it. */
  private stopOnFailure(err: unknown): void {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.logger.error({ err }, `replica ${this.config.REPLICA_ID} stopped: ${reason}; the process exits so it restarts from its log`);
    process.exitCode = 70;
    setImmediate(() => process.kill(process.pid, 'SIGTERM'));
    // If the graceful shutdown hangs on the failed log, leave anyway.
    setTimeout(() => process.exit(70), 10_000).unref();
  }

  private async openLog(): Promise<ReplicaLog> {
    const id = this.config.REPLICA_ID;
    if (this.service.MONGO_URL) {
      const dbName = databaseName(this.service.MONGO_DB_PREFIX, `consensus_${id}`);
      this.connection = await mongoose.createConnection(this.service.MONGO_URL, { dbName, serverSelectionTimeoutMS: 5000 }).asPromise();
      this.logger.info({ dbName }, 'replica log in MongoDB');
      return MongoReplicaLog.open(this.connection);
    }
    if (this.config.CONSENSUS_DATA_DIR === ':memory:') return new MemoryReplicaLog();
    const dir = path.resolve(this.config.CONSENSUS_DATA_DIR, `${this.service.SUBJECT_PREFIX}-consensus-${id}`);
    this.logger.info({ dir }, 'replica log in embedded file');
    return FileReplicaLog.open(dir);
  }

  private publish(to: string, frame: Uint8Array): void {
    if (this.nats.closed) throw new Error('NATS connection closed');
    let subject = this.raftSubjects.get(to);
    if (subject === undefined) {
      // Built (and its tokens checked) once per peer: per message it was 5% of a loaded leader's time.
      subject = this.nats.subjects.raft(to, this.config.REPLICA_ID);
      this.raftSubjects.set(to, subject);
    }
    this.nats.nc.publish(subject, frame);
  }

  /**
   * consensusReached events of the commits applied in one turn of the event loop go out as one batch with one
   * acknowledgement, after the clients' answers: one JetStream request per commit was a fifth of the leader's
   * CPU under load. A failed batch is published once more (event ids make JetStream drop what it has), then
   * logged and counted.
   */
  private queueConsensusReached(data: unknown, id: string): void {
    this.reached.push({ data, id });
    if (this.reached.length === 1) setImmediate(() => this.flushConsensusReached());
    else if (this.reached.length >= MAX_EVENT_BATCH) this.flushConsensusReached();
  }

  private flushConsensusReached(): void {
    const batch = this.reached;
    if (batch.length === 0) return;
    this.reached = [];
    const type = EVENT_NAMES.consensusReached;
    this.events
      .publishBatch(type, batch)
      .catch(() => this.events.publishBatch(type, batch))
      .catch((err) => {
        this.metrics.eventsLost.inc({ type }, batch.length);
        this.logger.warn({ err, type, events: batch.length }, 'events not published');
      });
  }

  private fireEvent(type: string, data: unknown, id: string): void {
    this.events.publish(type, data, { id }).catch((err) => this.logger.warn({ err, type }, 'event not published'));
  }

  private timeout(leader: string | null): OssaError {
    const reason = leader ? `no commit within the request timeout (leader ${leader})` : 'no leader reachable: this replica may be in a minority partition, or an election is in progress';
    return new OssaError('CONSENSUS_TIMEOUT', 'Consensus timeout', [{ field: 'leader', message: reason, value: leader }]);
  }

  /** Commits a ledger command through whichever replica leads, until `deadline`. */
  async propose(command: LedgerCommand, deadline: number): Promise<LedgerProposeReply> {
    const started = performance.now();
    // Sessions make retries safe: every attempt of this request carries the same (clientId, requestId).
    const { command: cmd, done } = this.session.stamp(command);
    try {
      const reply = await this.followLeader(deadline, async (remaining) => {
        if (this.node.isLeader) {
          const out = await this.node.propose(cmd, remaining);
          if (out.result.sessionExpired) throw sessionExpired(cmd.clientId);
          return { index: out.index, term: out.term, leader: this.config.REPLICA_ID, result: { applied: out.result.applied, value: out.result.value } };
        }
        return null;
      }, 'propose', cmd);
      this.metrics.proposals.inc({ outcome: 'committed' });
      this.metrics.commitLatency.observe((performance.now() - started) / 1000);
      return reply as LedgerProposeReply;
    } catch (err) {
      this.metrics.proposals.inc({ outcome: err instanceof OssaError && err.code === 'CONSENSUS_TIMEOUT' ? 'timeout' : 'rejected' });
      throw err;
    } finally {
      done();
    }
  }

  /**
   * Commits several commands, each with its own outcome (in request order). On the leader they are proposed in
   * one pass of the loop, so they share a Ready (one log write, one round of appends); a follower forwards the
   * whole batch to the leader once, and any command the leader could not take (it lost the lead) goes the single
   * command's way, which follows the leader until the deadline. Every command is stamped with its session pair
   * first, so the forward and each retry carry the same one and apply at most once.
   */
  async proposeBatch(commands: LedgerCommand[], deadline: number): Promise<LedgerBatchReply> {
    const stamped = commands.map((c) => this.session.stamp(c));
    try {
      const cmds = stamped.map((s) => s.command);
      const results: (LedgerBatchItem | undefined)[] = await this.forwardBatch(cmds, deadline);
      const pending = cmds.map((_, i) => i).filter((i) => results[i] === undefined);
      const settled = this.node.together(() =>
        pending.map((i) =>
          this.propose(cmds[i], deadline).then(
            (reply): LedgerBatchItem => reply,
            (err: unknown): LedgerBatchItem => this.batchError(err),
          ),
        ),
      );
      const outcomes = await Promise.all(settled);
      pending.forEach((i, n) => (results[i] = outcomes[n]));
      return { results: this.fitReply(results as LedgerBatchItem[]) };
    } finally {
      for (const s of stamped) s.done();
    }
  }

  /**
   * A follower that knows the leader hands it the whole batch in one request; returns the outcomes it got, with
   * a gap for each command to propose here (all of them when this replica leads, knows no leader, or the forward
   * failed; the ones the leader answered NOT_LEADER).
   */
  private async forwardBatch(commands: LedgerCommand[], deadline: number): Promise<(LedgerBatchItem | undefined)[]> {
    const none = new Array<LedgerBatchItem | undefined>(commands.length);
    const leader = this.node.leader;
    if (this.node.isLeader || !leader || leader === this.config.REPLICA_ID || !this.node.isMember()) return none;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return none;
    try {
      const reply = await this.client.request<LedgerBatchReply>(this.nats.subjects.replica(leader, 'propose.batch'), { commands }, { timeoutMs: remaining });
      if (!Array.isArray(reply?.results) || reply.results.length !== commands.length) return none;
      return reply.results.map((item) => (isErrorEnvelope(item) && item.error.code === 'NOT_LEADER' ? undefined : item));
    } catch {
      // The leader is gone, moved or slow: each command follows the leader on its own, same session pair.
      return none;
    }
  }

  /** A command's failure as its own error envelope; anything not of the contract is logged and answered INTERNAL. */
  private batchError(err: unknown): ErrorEnvelope {
    if (err instanceof OssaError) return err.toEnvelope();
    this.logger.error({ err }, 'a command of a batch failed');
    return new OssaError('INTERNAL', 'Internal error while proposing a command of the batch').toEnvelope();
  }

  /**
   * Keeps a batch reply within one message: errors always fit (a few hundred bytes each); committed answers are
   * kept in order while they fit, the rest become `{resend: true}` (sent again alone, the session answers them).
   */
  private fitReply(results: LedgerBatchItem[]): LedgerBatchItem[] {
    const budget = (this.nats.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES) - REPLY_HEADROOM_BYTES;
    // A JSON string takes at most 6 bytes per UTF-16 unit (\uXXXX): most replies are far below the budget.
    const bound = results.reduce((n, r) => n + 256 + 6 * (('result' in r && r.result.value?.length) || 0), 0);
    if (bound <= budget) return results;
    let used = results.reduce((n, r) => n + ('result' in r ? 16 : Buffer.byteLength(JSON.stringify(r)) + 1), 0);
    return results.map((r) => {
      if (!('result' in r)) return r;
      const size = Buffer.byteLength(JSON.stringify(r)) + 1;
      if (used + size > budget) return { resend: true };
      used += size;
      return r;
    });
  }

  /** Linearizable read through ReadIndex, from this replica once it has applied the leader's commit point. */
  read(key: string, deadline: number): Promise<ReadReply> {
    // A replica that is no voter (joining, or removed) serves no reads: it hands them to a voter.
    const forward = this.node.isMember() ? undefined : 'read';
    return this.followLeader(deadline, async (remaining) => {
      const r = await this.node.read(key, remaining);
      return { key, value: r.value, index: r.index };
    }, forward, { key }) as Promise<ReadReply>;
  }

  /**
   * Whom a replica that is no voter (a joiner not added yet, a removed leader) asks when it knows no leader: a
   * voter of its configuration, which forwards to the leader. Voters wait for an election instead.
   */
  private voterToAsk(): string | null {
    if (this.node.isMember()) return null;
    const voters = this.node.status().peers.filter((id) => id !== this.config.REPLICA_ID);
    return voters.length > 0 ? voters[Math.floor(Math.random() * voters.length)] : null;
  }

  /** Says once, in the log, when this replica becomes a voter (a joiner added) or stops being one (removed). */
  private watchMembership(): void {
    let member = this.node.isMember();
    this.node.coreEvents.subscribe({
      confChangeApplied: (index) => {
        const now = this.node.isMember();
        if (now === member) return;
        member = now;
        const voters = this.node.status().peers;
        if (now) this.logger.info({ index, voters }, `replica ${this.config.REPLICA_ID} is a voter`);
        else this.logger.warn({ index, voters }, `replica ${this.config.REPLICA_ID} was removed from the voters; stop this process`);
      },
    });
  }

  /** Admin: adds or removes one voter through the leader; resolves once the configuration entry is committed. */
  async changeMembership(action: 'add' | 'remove', replicaId: string, deadline: number): Promise<MembershipChangeReply> {
    const reply = await this.followLeader(
      deadline,
      (remaining) => this.asAdmin(() => this.admin.change(action, replicaId, remaining), replicaId),
      action === 'add' ? 'admin.add' : 'admin.remove',
      { replicaId },
    );
    this.logger.info({ ...reply }, `membership: ${action} ${replicaId} committed`);
    return reply;
  }

  /** Admin: hands leadership to `replicaId` (or the most up-to-date voter); resolves once it leads. */
  async transferLeadership(replicaId: string | undefined, deadline: number): Promise<LeaderTransferReply> {
    const reply = await this.followLeader(
      deadline,
      (remaining) => this.asAdmin(() => this.admin.transfer(replicaId, remaining), replicaId),
      'admin.transfer',
      replicaId === undefined ? {} : { replicaId },
    );
    this.logger.info({ ...reply }, 'leadership transferred');
    return reply;
  }

  /** Runs an admin action on this replica: null when it does not lead (followLeader then forwards), contract errors otherwise. */
  private async asAdmin<T>(run: () => Promise<T>, replicaId: string | undefined): Promise<T | null> {
    if (!this.node.isLeader) return null;
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof MembershipError)) throw err;
      const detail = { field: 'replicaId', message: err.message, constraint: err.constraint, value: replicaId ?? null };
      switch (err.code) {
        case 'NOT_LEADER':
        case 'MOVED':
          // followLeader asks the leader now in place.
          return null;
        case 'INVALID':
          throw new OssaError('VALIDATION_FAILED', err.message, [detail]);
        case 'BUSY':
          throw new OssaError('QUORUM_NOT_MET', err.message, [detail]);
        case 'TIMEOUT':
        case 'ENDED':
          throw new OssaError('CONSENSUS_TIMEOUT', 'Consensus timeout', [detail]);
      }
    }
  }

  /**
   * Runs `local` here when it can be served here, otherwise forwards to the leader, retrying across leader
   * changes until the deadline; past it the caller gets CONSENSUS_TIMEOUT.
   */
  private async followLeader<T>(deadline: number, local: (remainingMs: number) => Promise<T | null>, forwardAction?: ReplicaAction, forwardBody?: unknown): Promise<T> {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.timeout(this.node.leader);
      const leader = this.node.leader ?? this.voterToAsk() ?? (await this.node.waitForLeader(remaining));
      try {
        if (!forwardAction || leader === this.config.REPLICA_ID) {
          const out = await local(remaining);
          if (out !== null) return out;
        } else if (leader) {
          return await this.client.request<T>(this.nats.subjects.replica(leader, forwardAction), forwardBody, { timeoutMs: remaining });
        }
      } catch (err) {
        if (err instanceof OssaError) throw err;
        if (err instanceof ReplicaError && err.code === 'TIMEOUT') throw this.timeout(err.leader);
        if (err instanceof ReplicaError && (err.code === 'FAILED' || err.code === 'STOPPED')) throw new OssaError('NOT_LEADER', err.message);
        if (err instanceof RequestTimeoutError || (err instanceof RemoteError && err.code === 'CONSENSUS_TIMEOUT')) throw this.timeout(leader);
        if (err instanceof RemoteError && err.code !== 'NOT_LEADER') throw new OssaError(err.code, err.message, err.details);
        // The leader moved (NOT_LEADER), is gone (no responders) or this replica lost its role: try again.
        if (!(err instanceof ReplicaError || err instanceof RemoteError || err instanceof NoRespondersError)) throw err;
      }
      // The leader moved or is unreachable: give the cluster a heartbeat to settle before the next try.
      await pause(Math.min(this.config.HEARTBEAT_MS, Math.max(1, deadline - Date.now())));
    }
  }
}

function sessionExpired(clientId: string | undefined): OssaError {
  const message = 'the session of this client expired (evicted); the request may have applied before. Start a new session (a new clientId)';
  return new OssaError('VALIDATION_FAILED', message, [{ field: 'clientId', message, value: clientId }]);
}
