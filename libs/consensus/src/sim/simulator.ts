// Deterministic simulation of a Raft cluster: one seeded PRNG drives faults, timing and the workload;
// safety invariants are checked as the run goes, liveness and linearizability after the faults heal.
import type { Message, NodeId, Ready } from '../raft/types';
import { InvariantViolation, SafetyChecker, type LogView } from './invariants';
import { checkLinearizable, type KvOperation } from './linearizability';
import { chooseFaultProfile, type FaultProfile } from './faults';
import { Network } from './network';
import { Prng } from './prng';
import { SimReplica, type ReplicaContext } from './replica';
import type { ClientRequest, ClientResponse, SimOptions, SimResult, SimStats } from './types';
import { Workload } from './workload';

const BASE_TICK_RATE = 0.2;
const HEAL_BUDGET = 1200;
const KEYS = ['x', 'y'];

interface ClientDelivery {
  at: number;
  seq: number;
  to: NodeId | null;
  request?: ClientRequest;
  response?: ClientResponse;
}

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

export class Simulation {
  private readonly rng: Prng;
  private readonly ids: NodeId[];
  private readonly replicas: SimReplica[];
  private readonly network: Network;
  private readonly checker = new SafetyChecker();
  private readonly workload: Workload;
  private readonly chaosSteps: number;
  private readonly stats: SimStats = {
    steps: 0,
    messages: 0,
    elections: 0,
    crashes: 0,
    partitions: 0,
    snapshotsSent: 0,
    membershipChanges: 0,
    transfers: 0,
    operations: 0,
    completed: 0,
    committed: 0,
  };
  private readonly traceLines: string[] = [];
  private readonly faults: FaultProfile;
  private now = 0;
  private deliveries: ClientDelivery[] = [];
  private deliverySeq = 0;
  private restarts: { at: number; id: NodeId }[] = [];
  private partitioned = false;
  private probe: KvOperation | null = null;

  constructor(private readonly options: SimOptions) {
    const rng = (this.rng = new Prng(options.seed));
    const n = options.nodes ?? rng.pick([3, 5]);
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    this.chaosSteps = options.steps ?? 1500;
    this.faults = chooseFaultProfile(rng);
    this.network = new Network(rng, this.faults.network);
    const config = {
      voters: this.ids,
      electionTick: 10,
      heartbeatTick: rng.range(1, 3),
      random: rng,
      preVote: rng.chance(0.5),
      checkQuorum: rng.chance(0.5) && this.faults.noCheckQuorum !== true,
      maxEntriesPerMessage: this.faults.maxEntriesPerMessage ?? rng.pick([1, 1, 2, 4, 64]),
      // Byte-capped appends: with large values a cap of 2 KiB sends most entries one by one.
      maxSizePerMsg: rng.pick([2048, 16 * 1024, 1024 * 1024]),
      maxInflight: rng.pick([1, 2, 8, 64]),
      testingBugs: options.bugs,
    };
    const compactEvery = rng.pick([8, 20, 50, 100000]);
    // A catch-up window behind the applied index (etcd's SnapshotCatchUpEntries), sometimes none.
    const compaction = { snapshotEvery: compactEvery, catchUpEntries: rng.pick([0, 0, 5, 30]) };
    this.trace(
      `config ${JSON.stringify({ ...config, random: undefined, voters: undefined, compaction, faults: this.faults })}`,
    );
    const ctx: ReplicaContext = {
      now: () => this.now,
      sendMessage: (m: Message) => this.network.send(m, this.now),
      respond: (r) => this.queueClient(null, undefined, r),
      checker: this.checker,
      staleReads: options.staleReads === true,
      ledgerOptions: { testingIgnoreSessions: options.noSessions === true },
      stats: this.stats,
      trace: (line) => this.trace(line),
      crashPoint: (replica, rd, commitAdvanced) => this.crashPoint(replica, rd, commitAdvanced),
      crashAfterApply: (replica) => this.crashAt(replica, 'applied'),
      tornWrite: (replica, rd) => this.tornWrite(replica, rd),
      leaders: () => this.leaders(),
    };
    this.replicas = this.ids.map(
      (id) => new SimReplica(id, config, BASE_TICK_RATE * (0.75 + 0.5 * rng.next()), compaction, ctx),
    );
    const timing = { attemptTimeout: 80, giveUpAfter: 1500, maxThink: 30 };
    const clients = this.faults.name === 'readRace' ? rng.range(4, 6) : rng.range(2, 4);
    this.workload = new Workload(
      rng,
      this.ids,
      KEYS,
      clients,
      timing,
      (to, req) => this.queueClient(to, req),
      this.faults.readShare,
      rng.pick([0, 0.1]),
      rng.pick([1, 1, 2, 3]),
    );
  }

  run(): SimResult {
    const result: SimResult = {
      seed: this.options.seed,
      ok: true,
      nodes: this.ids.length,
      profile: this.faults.name,
      stats: this.stats,
      trace: this.traceLines,
    };
    try {
      for (const r of this.replicas) r.start();
      this.loop();
      const lin = checkLinearizable(this.workload.history);
      if (!lin.ok)
        throw new InvariantViolation(
          'Linearizability',
          `history of key "${lin.key}" has no linearization`,
          this.now,
        );
    } catch (thrown) {
      // An assertion inside the core (e.g. "conflict within committed") is a detected safety failure too.
      const e =
        thrown instanceof InvariantViolation
          ? thrown
          : new InvariantViolation('CoreAssertion', (thrown as Error).message, this.now);
      result.ok = false;
      result.violation = { invariant: e.invariant, message: e.message, step: e.step };
      this.trace(`VIOLATION ${e.message}`);
    }
    this.stats.steps = this.now;
    this.stats.operations = this.workload.history.length;
    this.stats.completed = this.workload.completed();
    this.stats.committed = this.checker.maxCommitted;
    return result;
  }

  private loop(): void {
    const end = this.chaosSteps + HEAL_BUDGET;
    for (this.now = 1; this.now <= end; this.now++) {
      this.checker.step = this.now;
      if (this.now <= this.chaosSteps) this.injectFaults();
      else if (this.now === this.chaosSteps + 1) this.heal();
      else this.restoreMembership();
      for (const m of this.network.due(this.now)) {
        const r = this.replica(m.to);
        if (!r.alive) continue;
        this.stats.messages++;
        r.deliver(m);
      }
      for (const r of this.replicas) if (r.alive) r.advanceClock();
      this.deliverClientTraffic();
      this.workload.tick(this.now);
      this.checker.afterStep(
        this.replicas.map((r) => [r.id, r.storeView()]),
        this.leaders(),
      );
      if (this.probe && this.probe.respond !== null && this.converged()) return;
    }
    if (!this.probe || this.probe.respond === null) {
      throw new InvariantViolation(
        'Progress',
        `no write committed within ${HEAL_BUDGET} steps after the faults healed`,
        this.now,
      );
    }
    throw new InvariantViolation(
      'Progress',
      `replicas did not converge within ${HEAL_BUDGET} steps after healing: ${this.describeApplied()}`,
      this.now,
    );
  }

  private converged(): boolean {
    const applied = this.replicas.map((r) => r.core.appliedIndex());
    if (applied.some((a) => a !== applied[0] || a < this.checker.maxCommitted)) return false;
    const states = this.replicas.map((r) => new TextDecoder().decode(r.ledger.snapshot()));
    if (states.some((s) => s !== states[0])) {
      throw new InvariantViolation(
        'StateMachineSafety',
        `replicas applied up to ${applied[0]} hold different ledgers`,
        this.now,
      );
    }
    return true;
  }

  private describeApplied(): string {
    return this.replicas
      .map(
        (r) =>
          `${r.id}:${r.core.role()}/t${r.core.term()}/c${r.core.commitIndex()}/a${r.core.appliedIndex()}`,
      )
      .join(' ');
  }

  private injectFaults(): void {
    const rng = this.rng;
    for (const due of this.restarts.filter((x) => x.at <= this.now)) this.restart(due.id);
    this.restarts = this.restarts.filter((x) => x.at > this.now);
    if (rng.chance(this.faults.crashRate)) this.crash(rng.pick(this.replicas), rng.range(20, 400));
    const leader = this.currentLeader();
    // Leader churn leaves uncommitted tails of several terms behind, the setting of the paper's Figure 8.
    if (leader && rng.chance(this.faults.leaderCrashRate)) this.crash(leader, rng.range(10, 150));
    if (leader?.alive && rng.chance(this.faults.membershipRate)) this.changeMembership(leader);
    if (leader && leader.alive && rng.chance(this.faults.transferRate)) {
      const to = rng.pick(leader.core.status().voters.filter((id) => id !== leader.id));
      if (to && leader.core.transferLeadership(to).ok) {
        this.stats.transfers++;
        this.trace(`${leader.id} transfers leadership to ${to}`);
      }
      leader.drain();
    }
    if (!this.partitioned && rng.chance(this.faults.partitionRate)) this.partition();
    else if (this.partitioned && rng.chance(this.faults.partitionHealRate)) {
      this.network.heal();
      this.partitioned = false;
      this.trace('partition healed');
    }
  }

  /** Removes a follower from the configuration, or adds back one that was removed (one change at a time). */
  private changeMembership(leader: SimReplica): void {
    const voters = leader.core.status().voters;
    const missing = this.ids.filter((id) => !voters.includes(id));
    const followers = voters.filter((id) => id !== leader.id);
    // Sometimes the leader removes itself: it leads without counting itself until the change commits.
    const removed = this.rng.chance(0.3) ? leader.id : this.rng.pick(followers);
    const change =
      missing.length > 0
        ? { type: 'addNode' as const, nodeId: missing[0] }
        : { type: 'removeNode' as const, nodeId: removed };
    const r = leader.core.proposeConfChange(change);
    if (r.ok) {
      this.stats.membershipChanges++;
      this.trace(`${leader.id} proposes ${change.type} ${change.nodeId} at ${r.value.index}`);
    }
    leader.drain();
  }

  private crashPoint(replica: SimReplica, rd: Ready, commitAdvanced: boolean): boolean {
    if (this.now > this.chaosSteps) return false;
    const { elected, committed, anyReady, follower } = this.faults.crashPoints;
    const p =
      replica.core.role() !== 'leader'
        ? follower
        : rd.softState?.role === 'leader'
          ? elected
          : commitAdvanced
            ? committed
            : anyReady;
    if (!this.rng.chance(p)) return false;
    this.trace(`${replica.id} crashes after persisting, before sending`);
    this.crash(replica, this.rng.range(10, 150));
    return true;
  }

  /** A leader that applied (and answered clients) before sending: its followers have not heard of the commit. */
  private crashAt(replica: SimReplica, point: 'applied'): boolean {
    if (this.now > this.chaosSteps || replica.core.role() !== 'leader') return false;
    if (!this.rng.chance(this.faults.crashPoints[point])) return false;
    this.trace(`${replica.id} crashes after applying, before sending`);
    this.crash(replica, this.rng.range(10, 150));
    return true;
  }

  /** How many of the Ready's entries reach the store before a crash cuts the write short, or null. */
  private tornWrite(replica: SimReplica, rd: Ready): number | null {
    if (this.now > this.chaosSteps || rd.entries.length === 0) return null;
    if (!this.rng.chance(this.faults.crashPoints.torn)) return null;
    const kept = this.rng.range(0, rd.entries.length - 1);
    this.trace(
      `${replica.id} crashes during a write: ${kept} of ${rd.entries.length} entries reach the store`,
    );
    this.crash(replica, this.rng.range(10, 150));
    return kept;
  }

  private crash(victim: SimReplica, downtime: number): void {
    if (!victim.alive) return;
    victim.crash();
    this.stats.crashes++;
    this.restarts.push({ at: this.now + downtime, id: victim.id });
    this.trace(`crash ${victim.id} for ${downtime} steps`);
  }

  private partition(): void {
    const rng = this.rng;
    const shuffled = rng.shuffle(this.ids);
    const kind = rng.pick(this.faults.partitionKinds);
    const leader = this.currentLeader()?.id ?? shuffled[0];
    if (kind === 'isolateLeader') {
      // The leader alone on one side: clients that still talk to it meet a deposed leader.
      this.network.partition(
        [leader],
        this.ids.filter((id) => id !== leader),
      );
    } else if (kind === 'split') {
      const cut = rng.range(1, shuffled.length - 1);
      this.network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else if (kind === 'oneWay') {
      for (let i = rng.range(1, 3); i > 0; i--) this.network.block(rng.pick(this.ids), rng.pick(this.ids));
    } else if (kind === 'deafLeader') {
      // A leader that still sends but no longer hears anyone: check-quorum's case.
      for (const id of this.ids) if (id !== leader) this.network.block(id, leader);
    } else {
      // A leader that hears clients and peers but cannot send: its new entries stay on it alone.
      for (const id of this.ids) if (id !== leader) this.network.block(leader, id);
    }
    this.partitioned = true;
    this.stats.partitions++;
    this.trace(`partition ${kind}: blocked ${this.network.describeBlocked()}`);
  }

  private heal(): void {
    this.network.heal();
    this.partitioned = false;
    this.network.faults = { lossRate: 0, duplicateRate: 0, minDelay: 1, maxDelay: 3 };
    for (const r of this.replicas) if (!r.alive) this.restart(r.id);
    this.restarts = [];
    this.workload.active = false;
    this.probe = this.workload.probe(this.now, '__progress');
    this.trace('faults healed; progress probe sent');
  }

  /** After healing, every replica is brought back into the configuration so that all must converge. */
  private restoreMembership(): void {
    if (this.now % 20 !== 0) return;
    const leader = this.currentLeader();
    if (leader && leader.core.status().voters.length < this.ids.length) this.changeMembership(leader);
  }

  private restart(id: NodeId): void {
    const r = this.replica(id);
    if (r.alive) return;
    r.start();
    this.trace(
      `restart ${id} at term ${r.core.term()} commit ${r.core.commitIndex()} last ${r.core.lastIndex()}`,
    );
    r.drain();
  }

  private queueClient(to: NodeId | null, request?: ClientRequest, response?: ClientResponse): void {
    if (this.rng.chance(this.network.faults.lossRate)) return;
    this.deliveries.push({
      at: this.now + this.rng.range(1, 3),
      seq: this.deliverySeq++,
      to,
      request,
      response,
    });
  }

  private deliverClientTraffic(): void {
    const due = this.deliveries.filter((d) => d.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (due.length === 0) return;
    this.deliveries = this.deliveries.filter((d) => d.at > this.now);
    for (const d of due) {
      if (d.response) this.workload.onResponse(d.response, this.now);
      else if (d.request && d.to) {
        const r = this.replica(d.to);
        if (r.alive) r.onClientRequest(d.request);
      }
    }
  }

  /** The live leader of the highest term: a deposed leader that has not heard the news may linger. */
  private currentLeader(): SimReplica | undefined {
    let best: SimReplica | undefined;
    for (const r of this.replicas) {
      if (r.alive && r.core.role() === 'leader' && (!best || r.core.term() > best.core.term())) best = r;
    }
    return best;
  }

  private leaders(): [NodeId, number, LogView][] {
    return this.replicas
      .filter((r) => r.alive && r.core.role() === 'leader')
      .map((r) => [r.id, r.core.term(), r.logView()]);
  }

  private replica(id: NodeId): SimReplica {
    return this.replicas.find((r) => r.id === id) as SimReplica;
  }

  private trace(line: string): void {
    if (!this.options.trace) return;
    this.traceLines.push(`[${this.now}] ${line}`);
    if (this.traceLines.length > 400) this.traceLines.shift();
  }
}
