// Membership change and leadership transfer on the service's admin subjects, against replicas as separate OS
// processes under a bounded write load: 3 → 5 → 3 voters, the leader among the removed, transfers in between.
import type {
  ErrorEnvelope,
  LeaderTransferReply,
  LedgerProposeReply,
  MembershipChangeReply,
} from '@ossa/contracts';
import mongoose from 'mongoose';
import { databaseName } from '@ossa/persistence';
import {
  expectOneLeaderPerTerm,
  httpGet,
  isErrorEnvelope,
  mongoUrlOrWarn,
  useCluster,
  waitFor,
  type ConsensusCluster,
} from '@ossa/testing';

jest.setTimeout(240_000);

const transportError = (e: Error) =>
  ({ error: { code: 'TRANSPORT', message: e.message, details: [] } }) as unknown as ErrorEnvelope;

/**
 * Writers that each extend a chain of their own with cas (expected = the last acknowledged value), one request
 * outstanding, retried with the same (clientId, requestId) until acknowledged. A lost acknowledged write breaks
 * the chain; a second application of one answers applied:false. Both fail the test.
 */
class ChainLoad {
  readonly chains = new Map<string, string>();
  acked = 0;
  private running = true;
  private readonly waiters: { at: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private done?: Promise<void>;
  private failure: unknown = null;

  constructor(
    private readonly cluster: ConsensusCluster,
    private readonly tag: string,
    private readonly writers: number,
    private readonly deadlineMs = 200_000,
  ) {}

  start(): void {
    // A writer's failure is kept (not left unhandled) and fails whoever waits on the load.
    this.done = Promise.all(Array.from({ length: this.writers }, (_, w) => this.writer(w))).then(
      () => undefined,
      (err: unknown) => {
        this.failure = err;
        this.running = false;
        for (const waiter of this.waiters.splice(0)) waiter.reject(err);
      },
    );
  }

  /** Resolves once `more` further writes are acknowledged. */
  progress(more: number): Promise<void> {
    const at = this.acked + more;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ at, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    if (this.failure) throw this.failure;
  }

  private async writer(w: number): Promise<void> {
    const key = `${this.tag}-chain-${w}`;
    const clientId = `${this.tag}-writer-${w}`;
    let prev: string | undefined;
    let requestId = 0;
    const deadline = Date.now() + this.deadlineMs;
    for (let step = 0; this.running; step++) {
      const value = prev === undefined ? `${step}` : `${prev},${step}`;
      const body = {
        op: 'cas',
        key,
        value,
        clientId,
        requestId: ++requestId,
        ...(prev === undefined ? {} : { expected: prev }),
      };
      for (;;) {
        if (Date.now() > deadline)
          throw new Error(`${clientId}: request ${requestId} not acknowledged in time`);
        const reply = await this.cluster.propose<LedgerProposeReply>(body).catch(transportError);
        if (isErrorEnvelope(reply)) continue;
        expect(reply.result).toEqual({ applied: true, value });
        break;
      }
      prev = value;
      this.chains.set(key, value);
      this.acked++;
      for (const waiter of this.waiters.filter((x) => x.at <= this.acked)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/** Asks for an admin action until it is done; only "not now" answers (QUORUM_NOT_MET) are retried. */
async function admin<T>(
  cluster: ConsensusCluster,
  action: 'add' | 'remove' | 'transfer',
  body: Record<string, unknown>,
  via?: string,
): Promise<{ reply: T; busy: string[] }> {
  const busy: string[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply = await cluster.admin<T>(action, body, via);
    if (!isErrorEnvelope(reply)) return { reply, busy };
    if (reply.error.code !== 'QUORUM_NOT_MET' || Date.now() > deadline) {
      throw new Error(`${action} ${JSON.stringify(body)}: ${JSON.stringify(reply.error)}`);
    }
    busy.push(reply.error.details[0]?.constraint ?? '?');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Names the step of the scenario a failure came from. */
async function step<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

async function expectError(reply: Promise<unknown>, code: string, constraint: string, field = 'replicaId') {
  const answer = await reply;
  expect(isErrorEnvelope(answer)).toBe(true);
  expect((answer as ErrorEnvelope).error).toMatchObject({
    code,
    details: expect.arrayContaining([
      expect.objectContaining({ field, ...(constraint ? { constraint } : {}) }),
    ]),
  });
}

/** The leader once every replica names it and it says it leads (no election or transfer under way). */
async function settledLeader(cluster: ConsensusCluster): Promise<string> {
  let leader = '';
  await waitFor(async () => {
    const all = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    leader = all.find((s) => s.role === 'leader')?.replicaId ?? '';
    return leader !== '' && all.every((s) => s.leader === leader && s.term === all[0].term);
  }, 20_000);
  return leader;
}

async function droppedFromUnknown(cluster: ConsensusCluster, id: string): Promise<number> {
  const started = cluster.children.get(id)!.logs.find((l) => l.msg === 'started')!;
  const text = (await httpGet(started.metrics as string)).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith('ossa_consensus_peer_messages_dropped_total{reason="unknown_sender"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Raft membership on the admin subjects: bad requests and the catch-up guard', () => {
  const cluster = useCluster('raftadmin', ['a1', 'a2', 'a3']);

  it('refuses what cannot be done, naming the field and the reason, from the leader and through a follower', async () => {
    const { leader } = await cluster.leaderNow();
    const follower = cluster.ids.find((id) => id !== leader)!;
    await expectError(cluster.admin('add', { replicaId: 'a1' }), 'VALIDATION_FAILED', 'alreadyMember');
    await expectError(
      cluster.admin('add', { replicaId: 'a2' }, follower),
      'VALIDATION_FAILED',
      'alreadyMember',
    );
    await expectError(
      cluster.admin('remove', { replicaId: 'nobody' }, leader),
      'VALIDATION_FAILED',
      'notMember',
    );
    await expectError(
      cluster.admin('transfer', { replicaId: 'nobody' }, follower),
      'VALIDATION_FAILED',
      'notMember',
    );
    await expectError(cluster.admin('add', { replicaId: 'a.b' }), 'VALIDATION_FAILED', '');
    await expectError(cluster.admin('add', {}), 'VALIDATION_FAILED', '');
    await expectError(cluster.admin('transfer', { replicaId: 7 }), 'VALIDATION_FAILED', '');
    await expectError(
      cluster.admin('transfer', { replicaId: 'a1', extra: true }),
      'VALIDATION_FAILED',
      '',
      'extra',
    );
    // Nothing changed.
    expect((await cluster.status(leader)).peers).toEqual(['a1', 'a2', 'a3']);
  });

  it('adds a replica that never catches up only once: the next change waits for it, and it can be removed', async () => {
    // 'ghost' has no process: three of four voters still make a quorum, so the addition commits.
    const added = await admin<MembershipChangeReply>(cluster, 'add', { replicaId: 'ghost' });
    expect(added.reply).toMatchObject({
      action: 'add',
      replicaId: 'ghost',
      voters: ['a1', 'a2', 'a3', 'ghost'],
    });
    // A fifth voter now would make the quorum (three of five) depend on the ghost: refused until it catches up.
    await expectError(cluster.admin('add', { replicaId: 'ghost2' }), 'QUORUM_NOT_MET', 'notCaughtUp');
    const removed = await admin<MembershipChangeReply>(cluster, 'remove', { replicaId: 'ghost' });
    expect(removed.reply).toMatchObject({ action: 'remove', replicaId: 'ghost', voters: ['a1', 'a2', 'a3'] });
    expect(removed.reply.index).toBeGreaterThan(added.reply.index);
    const reply = await cluster.propose<LedgerProposeReply>({ op: 'put', key: 'after-ghost', value: 'ok' });
    expect(reply).toMatchObject({ result: { applied: true, value: 'ok' } });
  });
});

describe('Raft membership when a replica stalls (SIGSTOP, as a starved process does) or is cut off: every answer says what happened', () => {
  const cluster = useCluster('raftstall', ['s1', 's2', 's3']);
  const pause = (id: string) => cluster.children.get(id)!.process.kill('SIGSTOP');
  const resume = (id: string) => cluster.children.get(id)!.process.kill('SIGCONT');
  afterEach(() => cluster.ids.forEach(resume));

  it('answers a transfer to a replica that cannot take over as "not now" once the leader abandons it, and does it when asked again', async () => {
    const leader = await settledLeader(cluster);
    const target = cluster.ids.find((id) => id !== leader)!;
    pause(target);
    // Asked of the leader itself: through the queue group the request could land on the stalled replica.
    // Thesis §3.10: the leader abandons a transfer the target does not finish within an election timeout.
    await expectError(
      cluster.admin('transfer', { replicaId: target }, leader),
      'QUORUM_NOT_MET',
      'transferAbandoned',
    );
    expect((await cluster.status(leader)).role).toBe('leader');
    resume(target);
    const moved = await admin<LeaderTransferReply>(cluster, 'transfer', { replicaId: target });
    expect(moved.reply.leader).toBe(target);
    // The TimeoutNow the target received while stalled may have made it leader before it was asked again.
    expect([leader, target]).toContain(moved.reply.from);
    expectOneLeaderPerTerm(cluster);
  });

  it('answers an addition whose leader is deposed before it commits with its fate, not a timeout', async () => {
    const leader = await settledLeader(cluster);
    expect((await cluster.status(leader)).peers).toEqual(['s1', 's2', 's3']);
    const stalled = cluster.ids.find((id) => id !== leader)!;
    const logs = cluster.children.get(leader)!.logs;
    const from = logs.length;
    pause(stalled);
    // With 'ghost' a voter the quorum is three of four: without the stalled replica nothing commits, and the
    // leader, hearing from one of three peers, steps down (check-quorum).
    const asked = cluster.admin<MembershipChangeReply>('add', { replicaId: 'ghost' }, leader);
    const answeredEarly = asked.then((r) => {
      throw new Error(`answered before the leader stepped down: ${JSON.stringify(r)}`);
    });
    answeredEarly.catch(() => undefined);
    await step(
      'leader steps down',
      Promise.race([
        cluster.children
          .get(leader)!
          .waitForLog((l) => l.msg === 'raft role' && l.role !== 'leader' && logs.indexOf(l) >= from, 20_000),
        answeredEarly,
      ]),
    );
    resume(stalled);
    const reply = await asked;
    expect(reply).toMatchObject({ action: 'add', replicaId: 'ghost', voters: ['ghost', 's1', 's2', 's3'] });
    const removed = await admin<MembershipChangeReply>(cluster, 'remove', { replicaId: 'ghost' });
    expect(removed.reply.voters).toEqual(['s1', 's2', 's3']);
    expectOneLeaderPerTerm(cluster);
  });

  it('asks the next leader for an addition whose entry another leader overwrote, and answers once that one committed it', async () => {
    const leader = await settledLeader(cluster);
    const { term, peers } = await cluster.status(leader);
    // The three voters only (a test before that failed may have left 'ghost' in).
    expect(peers).toEqual(['s1', 's2', 's3']);
    const others = cluster.ids.filter((id) => id !== leader);
    const successor = cluster.nextLeader(term);
    successor.catch(() => undefined);
    // Cut off alone, the leader appends the change where no one sees it; the others elect a leader whose
    // entries take that index.
    await cluster.isolate(leader, others);
    const asked = cluster.admin<MembershipChangeReply>('add', { replicaId: 'ghost' }, leader);
    const next = await step('successor elected', successor);
    expect(others).toContain(next.replica);
    await cluster.heal();
    const reply = await asked;
    expect(reply).toMatchObject({ action: 'add', replicaId: 'ghost', voters: ['ghost', 's1', 's2', 's3'] });
    expect((reply as MembershipChangeReply).committedBy).not.toBe(leader);
    const removed = await admin<MembershipChangeReply>(cluster, 'remove', { replicaId: 'ghost' });
    expect(removed.reply.voters).toEqual(['s1', 's2', 's3']);
    expectOneLeaderPerTerm(cluster);
  });
});

describe('Raft membership under load: 3 → 5 → 3 replicas as OS processes, leader transferred and removed', () => {
  // Commits under load on a shared 2-core machine can take seconds: a roomy request timeout for writes and changes.
  const cluster = useCluster('raftmember', ['n1', 'n2', 'n3'], { env: { REQUEST_TIMEOUT_MS: '15000' } });

  it('loses and repeats no acknowledged write while replicas join, leadership moves and the leader is removed', async () => {
    const load = new ChainLoad(cluster, 'member', 4);
    load.start();
    await load.progress(20);

    // 3 → 5: each joiner starts knowing the voters in force, is added, and must catch up before the next addition.
    await step('start n4', cluster.startJoiner('n4', ['n1', 'n2', 'n3']));
    expect(await cluster.status('n4')).toMatchObject({ member: false, peers: ['n1', 'n2', 'n3'] });
    // Not a voter yet, it still serves its clients (and its share of the queue group) through the voters.
    const viaJoiner = await cluster.propose<LedgerProposeReply>(
      { op: 'put', key: 'via-n4', value: 'j' },
      'n4',
    );
    expect(viaJoiner).toMatchObject({ result: { applied: true, value: 'j' } });
    expect(await cluster.read('via-n4', 'n4')).toMatchObject({ value: 'j' });
    const add4 = await admin<MembershipChangeReply>(cluster, 'add', { replicaId: 'n4' });
    expect(add4.reply.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    await step(
      'n4 a voter',
      cluster.children.get('n4')!.waitForLog((l) => l.msg === 'replica n4 is a voter', 30_000),
    );
    await step('start n5', cluster.startJoiner('n5', ['n1', 'n2', 'n3', 'n4']));
    const add5 = await admin<MembershipChangeReply>(cluster, 'add', { replicaId: 'n5' });
    expect(add5.reply.voters).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(add5.reply.index).toBeGreaterThan(add4.reply.index);
    await waitFor(
      async () => {
        const all = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => cluster.status(id)));
        return all.every(
          (s) => s.member === true && s.peers.length === 5 && s.appliedIndex >= add5.reply.index,
        );
      },
      60_000,
      100,
    );
    await load.progress(20);

    // Leadership to a replica that joined: its votes and appends are accepted by every voter.
    const toN5 = await admin<LeaderTransferReply>(cluster, 'transfer', { replicaId: 'n5' });
    expect(toN5.reply.leader).toBe('n5');
    expect(await cluster.status('n5')).toMatchObject({ role: 'leader', term: toN5.reply.term });
    await load.progress(20);
    // Without a target, asked of a follower (which forwards): the most up-to-date other voter takes over.
    const onward = await admin<LeaderTransferReply>(cluster, 'transfer', {}, 'n2');
    expect(onward.reply.from).toBe('n5');
    expect(onward.reply.leader).not.toBe('n5');
    await load.progress(20);

    // 5 → 4: remove the leader itself. It commits its removal, then steps down (thesis §4.2.2).
    const { leader: removedLeader, term } = await cluster.leaderNow();
    const successor = cluster.nextLeader(term, 120_000);
    // Awaited below; if the test fails before that, its rejection must not go unhandled.
    successor.catch(() => undefined);
    const remove1 = await admin<MembershipChangeReply>(cluster, 'remove', { replicaId: removedLeader });
    expect(remove1.reply).toMatchObject({ committedBy: removedLeader });
    expect(remove1.reply.voters).not.toContain(removedLeader);
    expect(remove1.reply.voters).toHaveLength(4);
    expect((await step('successor elected', successor)).replica).not.toBe(removedLeader);
    const told = (id: string, text: string) => (l: Record<string, unknown>) =>
      typeof l.msg === 'string' && l.msg === `replica ${id} ${text}`;
    await step(
      'removal logged',
      cluster.children
        .get(removedLeader)!
        .waitForLog(told(removedLeader, 'was removed from the voters; stop this process'), 30_000),
    );
    expect(await cluster.status(removedLeader)).toMatchObject({ member: false, role: 'follower' });
    await cluster.kill(removedLeader, 'SIGTERM');
    await load.progress(20);

    // 4 → 3: remove a follower, which never hears of it and keeps knocking: every voter refuses it as a peer.
    const { leader } = await cluster.leaderNow();
    const removedFollower = remove1.reply.voters.find((id) => id !== leader)!;
    const remove2 = await admin<MembershipChangeReply>(cluster, 'remove', { replicaId: removedFollower });
    expect(remove2.reply.voters).toHaveLength(3);
    expect(remove2.reply.voters).not.toContain(removedFollower);
    const voters = remove2.reply.voters;
    await load.progress(20);
    const knocks = await droppedFromUnknown(cluster, voters[0]);
    await waitFor(async () => (await droppedFromUnknown(cluster, voters[0])) > knocks, 30_000, 200);
    await cluster.kill(removedFollower, 'SIGTERM');

    await load.stop();
    expect(load.acked).toBeGreaterThanOrEqual(120);
    const waited = [add4, add5, remove1, remove2].map((c) => c.busy.join('+') || 'none');
    process.stderr.write(
      `membership under load: ${load.acked} writes acknowledged by 4 writers; answers "not now" before add n4, add n5, remove ${removedLeader}, remove ${removedFollower}: ${waited.join(', ')}\n`,
    );
    // Every acknowledged write is there, exactly once, on every remaining voter (linearizable reads).
    for (const id of voters)
      for (const [key, value] of load.chains) expect(await cluster.read(key, id)).toMatchObject({ value });
    const statuses = await Promise.all(voters.map((id) => cluster.status(id)));
    for (const s of statuses) expect(s.peers).toEqual([...voters].sort());
    expectOneLeaderPerTerm(cluster);
  });
});

const mongoUrl = mongoUrlOrWarn('Raft membership with MongoDB logs');
const describeMongo = mongoUrl ? describe : describe.skip;

describeMongo(
  'Raft membership with MongoDB logs: a joined replica leads, is killed with -9 under load, and comes back',
  () => {
    const ids = ['j1', 'j2', 'j3', 'j4'];
    const cluster = useCluster('raftjoinm', ['j1', 'j2', 'j3'], {
      env: { MONGO_URL: mongoUrl!, REQUEST_TIMEOUT_MS: '15000' },
      cleanup: async (c) => {
        for (const id of ids) {
          const db = await mongoose
            .createConnection(mongoUrl!, { dbName: databaseName(c.prefix, `consensus_${id}`) })
            .asPromise();
          await db.dropDatabase();
          await db.close();
        }
      },
    });

    it('keeps every acknowledged write when the leader, added under load, is killed with -9', async () => {
      const load = new ChainLoad(cluster, 'joinm', 3);
      load.start();
      await load.progress(10);
      const joiner = await step('start j4', cluster.startJoiner('j4', ['j1', 'j2', 'j3']));
      expect(joiner.logs.find((l) => l.msg === 'replica log in MongoDB')).toMatchObject({
        dbName: databaseName(cluster.prefix, 'consensus_j4'),
      });
      const added = await admin<MembershipChangeReply>(cluster, 'add', { replicaId: 'j4' });
      expect(added.reply.voters).toEqual(ids);
      await step(
        'j4 a voter',
        joiner.waitForLog((l) => l.msg === 'replica j4 is a voter', 60_000),
      );
      const moved = await admin<LeaderTransferReply>(cluster, 'transfer', { replicaId: 'j4' });
      expect(moved.reply.leader).toBe('j4');
      await load.progress(10);

      // kill -9 of the leader that joined: three of four voters remain, a majority, and elect a new leader.
      const successor = cluster.nextLeader(moved.reply.term, 120_000);
      successor.catch(() => undefined);
      await cluster.kill('j4');
      expect((await step('successor elected', successor)).replica).not.toBe('j4');
      await load.progress(10);
      await load.stop();

      // Restarted from its own database, j4 is a voter again (its log says so) and catches up.
      await step('restart j4', cluster.startJoiner('j4', ['j1', 'j2', 'j3']));
      expect(await cluster.status('j4')).toMatchObject({ member: true, peers: ids });
      for (const id of ids)
        for (const [key, value] of load.chains) expect(await cluster.read(key, id)).toMatchObject({ value });
      expectOneLeaderPerTerm(cluster);
    });
  },
);
