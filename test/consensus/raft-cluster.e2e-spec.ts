import mongoose from 'mongoose';
import { databaseName } from '@ossa/persistence';
import type { ErrorEnvelope, LedgerBatchReply, LedgerProposeReply } from '@ossa/contracts';
import { LedgerClient, NatsClient, NatsConnectionService } from '@ossa/messaging';
import {
  expectOneLeaderPerTerm,
  isErrorEnvelope,
  mongoUrlOrWarn,
  natsUrl,
  requestJson,
  subjectsFor,
  testCredsFile,
  useCluster,
  type ConsensusCluster,
} from '@ossa/testing';

jest.setTimeout(120_000);

/**
 * Bounded load: `count` puts by `concurrency` clients. Each client is one session (clientId) with increasing
 * request ids and one request outstanding, retried with the same id until acknowledged or the deadline.
 */
async function load(
  cluster: ConsensusCluster,
  tag: string,
  count: number,
  concurrency: number,
  onAck?: (n: number) => void,
) {
  const acked = new Map<string, string>();
  let next = 0;
  const deadline = Date.now() + 60_000;
  const client = async (w: number) => {
    let requestId = 0;
    while (next < count) {
      const i = next++;
      const key = `${tag}-${i}`;
      const body = { op: 'put', key, value: `v${i}`, clientId: `${tag}-client-${w}`, requestId: ++requestId };
      while (Date.now() < deadline) {
        const reply = await cluster
          .propose<LedgerProposeReply>(body)
          .catch(
            (e: Error) =>
              ({ error: { code: 'TRANSPORT', message: e.message, details: [] } }) as unknown as ErrorEnvelope,
          );
        if (!isErrorEnvelope(reply)) {
          expect(reply.result).toEqual({ applied: true, value: `v${i}` });
          acked.set(key, `v${i}`);
          onAck?.(acked.size);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => client(w)));
  return acked;
}

describe('Raft consensus: three replicas as OS processes, embedded file logs', () => {
  const cluster = useCluster('raft3', ['r1', 'r2', 'r3']);

  it('elects one leader that every replica follows', async () => {
    // Embedded file logs, although the test environment has MONGO_URL (the cluster does not pass it on).
    for (const id of cluster.ids)
      expect(cluster.children.get(id)!.logs.map((l) => l.msg)).toContain('replica log in embedded file');
    const { leader, term } = await cluster.leaderNow();
    // Each replica logs the leader it learns of; wait for all three to name this one in this term.
    await Promise.all(
      cluster.ids.map((id) =>
        cluster.children
          .get(id)!
          .waitForLog((l) => l.msg === 'raft role' && l.leader === leader && l.term === term),
      ),
    );
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    expect(new Set(statuses.map((s) => s.leader))).toEqual(new Set([leader]));
    expect(statuses.find((s) => s.replicaId === leader)!.role).toBe('leader');
    expect(statuses.filter((s) => s.role === 'follower')).toHaveLength(2);
  });

  it('commits put, cas and delete through any replica, and reads them linearizably from every replica', async () => {
    const put = (await cluster.propose<LedgerProposeReply>(
      { op: 'put', key: 'task-1', value: 'agent-a' },
      'r1',
    )) as LedgerProposeReply;
    expect(put.result).toEqual({ applied: true, value: 'agent-a' });
    const lost = (await cluster.propose<LedgerProposeReply>(
      { op: 'cas', key: 'task-1', value: 'agent-b' },
      'r2',
    )) as LedgerProposeReply;
    expect(lost.result).toEqual({ applied: false, value: 'agent-a' });
    const won = (await cluster.propose<LedgerProposeReply>(
      { op: 'cas', key: 'task-1', value: 'agent-c', expected: 'agent-a' },
      'r3',
    )) as LedgerProposeReply;
    expect(won.result).toEqual({ applied: true, value: 'agent-c' });
    expect(won.index).toBeGreaterThan(put.index);
    for (const id of cluster.ids)
      expect(await cluster.read('task-1', id)).toMatchObject({ key: 'task-1', value: 'agent-c' });
    await cluster.propose({ op: 'delete', key: 'task-1' });
    for (const id of cluster.ids) expect(await cluster.read('task-1', id)).toMatchObject({ value: null });
  });

  it('applies a retried proposal once (client sessions)', async () => {
    const body = { op: 'cas', key: 'once', value: 'x', clientId: 'retrying-client', requestId: 7 };
    const first = (await cluster.propose<LedgerProposeReply>(body, 'r1')) as LedgerProposeReply;
    const retry = (await cluster.propose<LedgerProposeReply>(body, 'r3')) as LedgerProposeReply;
    expect(first.result.applied).toBe(true);
    // Without sessions the retry would be a failed cas (the key already holds "x"); with them it is the same answer.
    expect(retry.result).toEqual(first.result);
  });

  it('commits a batch through a follower or on the leader: each command its own outcome, in order, applied once', async () => {
    const { leader } = await cluster.leaderNow();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const tag = `batch-${Date.now()}`;
    const session = { clientId: `${tag}-client`, firstOutstanding: 1 };
    const commands = [
      { op: 'put', key: `${tag}-a`, value: '1', requestId: 1, ...session },
      { op: 'cas', key: `${tag}-a`, expected: '1', value: '2', requestId: 2, ...session },
      { op: 'cas', key: `${tag}-a`, expected: '1', value: '3', requestId: 3, ...session },
      { op: 'delete', key: `${tag}-b`, requestId: 4, ...session },
      { op: 'put', key: `${tag}-c`, value: 'no session' },
    ];
    const viaFollower = await requestJson<LedgerBatchReply | ErrorEnvelope>(
      cluster.nc,
      cluster.subject(follower, 'propose.batch'),
      { commands },
      { timeoutMs: 8000 },
    );
    if (isErrorEnvelope(viaFollower)) throw new Error(JSON.stringify(viaFollower));
    const replies = viaFollower.results as LedgerProposeReply[];
    expect(replies.map((r) => r.result)).toEqual([
      { applied: true, value: '1' },
      { applied: true, value: '2' },
      { applied: false, value: '2' },
      { applied: true, value: null },
      { applied: true, value: 'no session' },
    ]);
    // Proposed in request order: the log holds them in that order.
    const indexes = replies.map((r) => r.index);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
    expect(replies.every((r) => r.leader === leader)).toBe(true);
    // The same batch again on the leader: the session commands come back with their first answers, not applied
    // again (without sessions the first cas would now fail and the second would apply: the key holds "2").
    const again = await requestJson<LedgerBatchReply>(cluster.nc, cluster.subject(leader, 'propose.batch'), {
      commands: commands.slice(0, 4),
    });
    expect((again.results as LedgerProposeReply[]).map((r) => r.result)).toEqual(
      replies.slice(0, 4).map((r) => r.result),
    );
    expect(await cluster.read(`${tag}-a`, follower)).toMatchObject({ value: '2' });
  });

  it('refuses a batch with a bad field as a whole, naming commands[i].field, and applies none of it', async () => {
    const { leader } = await cluster.leaderNow();
    const tag = `badbatch-${Date.now()}`;
    const refused = await requestJson<ErrorEnvelope>(cluster.nc, cluster.subject(leader, 'propose.batch'), {
      commands: [
        { op: 'put', key: `${tag}-ok`, value: 'v' },
        { op: 'put', key: 'k'.repeat(1025), value: 'v', requestId: -1 },
      ],
    });
    expect(refused.error.code).toBe('VALIDATION_FAILED');
    expect(refused.error.details.map((d) => [d.field, d.constraint])).toEqual([
      ['commands[1].key', 'isLength'],
      ['commands[1].requestId', 'min'],
    ]);
    expect(await cluster.read(`${tag}-ok`, leader)).toMatchObject({ value: null });
  });

  it('answers {resend: true} for the commands whose answers do not fit one message, and LedgerClient resends them alone', async () => {
    const { leader } = await cluster.leaderNow();
    const tag = `big-${Date.now()}`;
    const big = 'x'.repeat(200 * 1024);
    // Small compare-and-sets that fail on keys holding 200 KiB each: each answer carries the value, so the
    // answers of the batch together pass max_payload although the request is small.
    const count = Math.ceil(cluster.nc.info!.max_payload / big.length) + 1;
    for (let i = 0; i < count; i++)
      await cluster.propose({ op: 'put', key: `${tag}-${i}`, value: big }, leader);
    const commands = Array.from({ length: count }, (_, i) => ({
      op: 'cas',
      key: `${tag}-${i}`,
      expected: 'nope',
      value: 'y',
    }));
    const reply = await requestJson<LedgerBatchReply>(cluster.nc, cluster.subject(leader, 'propose.batch'), {
      commands,
    });
    const resend = reply.results.filter((r) => 'resend' in r);
    expect(resend.length).toBeGreaterThan(0);
    expect(reply.results.slice(0, count - resend.length)).toEqual(
      Array.from({ length: count - resend.length }, () =>
        expect.objectContaining({ result: { applied: false, value: big } }),
      ),
    );
    const nats = await NatsConnectionService.connect({
      url: natsUrl(),
      name: 'raft-resend-spec',
      subjects: subjectsFor(cluster.prefix),
      credsFile: testCredsFile(),
    });
    try {
      const ledger = new LedgerClient(new NatsClient(nats), 8000);
      const outcomes = await Promise.all(commands.map((c) => ledger.compareAndSet(c.key, 'nope', 'y')));
      expect(outcomes.map((o) => [o!.applied, o!.value === big])).toEqual(commands.map(() => [false, true]));
    } finally {
      await nats.drain();
    }
  });

  it('LedgerClient sends the commands its callers queue together as batches, and each caller gets its own answer', async () => {
    const nats = await NatsConnectionService.connect({
      url: natsUrl(),
      name: 'raft-batch-spec',
      subjects: subjectsFor(cluster.prefix),
      credsFile: testCredsFile(),
    });
    const seen: string[] = [];
    const spy = cluster.nc.subscribe(`${cluster.prefix}.consensus.>`, {
      callback: (_e, m) => seen.push(m.subject),
    });
    try {
      const ledger = new LedgerClient(new NatsClient(nats), 8000);
      const tag = `client-${Date.now()}`;
      // Two rounds of 40 concurrent compare-and-sets on 20 keys: in each round exactly one per key applies.
      for (const round of [1, 2]) {
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            ledger.compareAndSet(`${tag}-${i % 20}`, round === 1 ? undefined : 'r1', `r${round}`),
          ),
        );
        for (let k = 0; k < 20; k++) {
          const mine = [outcomes[k], outcomes[k + 20]];
          expect(mine.filter((o) => o!.applied)).toHaveLength(1);
          expect(mine.map((o) => o!.value)).toEqual([`r${round}`, `r${round}`]);
        }
      }
      await cluster.nc.flush();
      expect(seen.filter((s) => s.endsWith('.propose.batch')).length).toBeGreaterThanOrEqual(2);
      expect(seen.filter((s) => s.endsWith('.propose'))).toHaveLength(0);
    } finally {
      spy.unsubscribe();
      await nats.drain();
    }
  });

  it('publishes one consensusReached event for every commit of concurrent clients (batched, none lost)', async () => {
    const { leader } = await cluster.leaderNow();
    const tag = `events-${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        cluster.propose<LedgerProposeReply>(
          { op: 'put', key: `${tag}-${i}`, value: 'v', clientId: `${tag}-c${i}`, requestId: 1 },
          leader,
        ),
      ),
    );
    const committed = replies.map((r) => (r as LedgerProposeReply).index).sort((a, b) => a - b);
    expect(new Set(committed).size).toBe(40);
    const subjects = subjectsFor(cluster.prefix);
    const consumer = await cluster.nc
      .jetstream()
      .consumers.get(subjects.streams.events, { filterSubjects: subjects.event('consensusReached') });
    const seen: number[] = [];
    while (seen.length < committed.length) {
      const m = await consumer.next({ expires: 5000 });
      if (!m) break;
      const event = m.json<{ data: { key: string; index: number; replicaId: string } }>();
      if (!event.data.key.startsWith(tag)) continue;
      expect(event.data.replicaId).toBe(leader);
      seen.push(event.data.index);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(committed);
  });

  it('loses no acknowledged proposal when the leader is killed with -9 under load, and a new leader serves', async () => {
    const before = await cluster.leaderNow();
    const oldLeader = before.leader;
    const successor = cluster.nextLeader(before.term);
    let killed = false;
    const acked = await load(cluster, 'kill9', 120, 6, (n) => {
      if (n === 40 && !killed) {
        killed = true;
        void cluster.kill(oldLeader);
      }
    });
    expect(killed).toBe(true);
    const next = await successor;
    expect(next.replica).not.toBe(oldLeader);
    expect(acked.size).toBe(120);
    const survivor = cluster.ids.find((id) => id !== oldLeader)!;
    for (const [key, value] of acked) expect(await cluster.read(key, survivor)).toMatchObject({ value });

    // The killed replica restarts from its own log and catches up (a linearizable read on it sees the last write).
    await cluster.start(oldLeader);
    const last = [...acked.keys()].pop()!;
    expect(await cluster.read(last, oldLeader)).toMatchObject({ value: acked.get(last) });
    expectOneLeaderPerTerm(cluster);
  });

  it('answers every LedgerClient caller when the leader is killed with -9 mid-run, each batched step applied once', async () => {
    const before = await cluster.leaderNow();
    const oldLeader = before.leader;
    const successor = cluster.nextLeader(before.term);
    const nats = await NatsConnectionService.connect({
      url: natsUrl(),
      name: 'raft-batch-kill-spec',
      subjects: subjectsFor(cluster.prefix),
      credsFile: testCredsFile(),
    });
    try {
      const ledger = new LedgerClient(new NatsClient(nats), 15_000);
      const tag = `batchkill-${Date.now()}`;
      const callers = 16;
      const steps = 25;
      let acks = 0;
      let killed = false;
      // Each caller walks its own key 0 → 1 → … → steps by compare-and-set, one step at a time; the callers
      // share the client, so their steps travel in batches. Every step must be answered (a batch the leader
      // died with is sent again through the service subject) and applied: a step applied twice (a retry not
      // answered from the session) would come back applied: false, its value already moved on. Whether the
      // kill lands between a commit and its answer is up to timing; the batch spec above checks that case.
      const outcomes = await Promise.all(
        Array.from({ length: callers }, async (_, c) => {
          const results: boolean[] = [];
          for (let n = 1; n <= steps; n++) {
            const out = await ledger.compareAndSet(
              `${tag}-${c}`,
              n === 1 ? undefined : String(n - 1),
              String(n),
            );
            results.push(out?.applied === true && out.value === String(n));
            if (++acks === 120 && !killed) {
              killed = true;
              void cluster.kill(oldLeader);
            }
          }
          return results;
        }),
      );
      expect(killed).toBe(true);
      expect((await successor).replica).not.toBe(oldLeader);
      expect(outcomes.flat().filter((ok) => !ok)).toEqual([]);
      const survivor = cluster.ids.find((id) => id !== oldLeader)!;
      for (let c = 0; c < callers; c++)
        expect(await cluster.read(`${tag}-${c}`, survivor)).toMatchObject({ value: String(steps) });
    } finally {
      await nats.drain();
      await cluster.start(oldLeader);
    }
    expectOneLeaderPerTerm(cluster);
  });

  it('an isolated leader cannot commit and says so; the majority elects another and keeps going; all converge after healing', async () => {
    const { leader, term } = await cluster.leaderNow();
    const isolated = leader;
    const others = cluster.ids.filter((id) => id !== isolated);
    const successor = cluster.nextLeader(term);
    await cluster.isolate(isolated, others);

    const refused = (await cluster.propose(
      { op: 'put', key: 'minority', value: 'no' },
      isolated,
    )) as ErrorEnvelope;
    expect(refused.error.code).toBe('CONSENSUS_TIMEOUT');
    expect(refused.error.message).toBe('Consensus timeout');
    const next = await successor;
    expect(others).toContain(next.replica);
    const ok = await cluster.propose<LedgerProposeReply>(
      { op: 'put', key: 'majority', value: 'yes' },
      others[0],
    );
    expect(isErrorEnvelope(ok)).toBe(false);
    expect(await cluster.read('minority', others[1])).toMatchObject({ value: null });

    await cluster.heal();
    const after = await cluster.propose<LedgerProposeReply>(
      { op: 'put', key: 'healed', value: 'all' },
      isolated,
    );
    expect(isErrorEnvelope(after)).toBe(false);
    for (const id of cluster.ids) {
      expect(await cluster.read('majority', id)).toMatchObject({ value: 'yes' });
      expect(await cluster.read('minority', id)).toMatchObject({ value: null });
      expect(await cluster.read('healed', id)).toMatchObject({ value: 'all' });
    }
    expectOneLeaderPerTerm(cluster);
  });
});

describe('Raft consensus: five replicas', () => {
  const cluster = useCluster('raft5', ['a', 'b', 'c', 'd', 'e']);

  it('tolerates two failures (f = 2), the leader among them', async () => {
    const { leader, term } = await cluster.leaderNow();
    const victims = [leader, cluster.ids.find((id) => id !== leader)!];
    const successor = cluster.nextLeader(term);
    await Promise.all(victims.map((id) => cluster.kill(id)));
    await successor;
    const live = cluster.ids.filter((id) => !victims.includes(id));
    const reply = await cluster.propose<LedgerProposeReply>(
      { op: 'put', key: 'five', value: 'still' },
      live[0],
    );
    expect(isErrorEnvelope(reply)).toBe(false);
    for (const id of live) expect(await cluster.read('five', id)).toMatchObject({ value: 'still' });
    expectOneLeaderPerTerm(cluster);
  });
});

const mongoUrl = mongoUrlOrWarn('Raft replicas with MongoDB logs');
const describeMongo = mongoUrl ? describe : describe.skip;

describeMongo('Raft consensus: three replicas, each with its own MongoDB database', () => {
  const cluster = useCluster('raftm', ['m1', 'm2', 'm3'], {
    env: { MONGO_URL: mongoUrl! },
    cleanup: async (c) => {
      for (const id of c.ids) {
        const db = await mongoose
          .createConnection(mongoUrl!, { dbName: databaseName(c.prefix, `consensus_${id}`) })
          .asPromise();
        await db.dropDatabase();
        await db.close();
      }
    },
  });

  it('keeps each replica log in its own database, survives kill -9 of the leader, and a restarted replica catches up from its log', async () => {
    for (const id of cluster.ids) {
      const child = cluster.children.get(id)!;
      expect(child.logs.find((l) => l.msg === 'replica log in MongoDB')).toMatchObject({
        dbName: databaseName(cluster.prefix, `consensus_${id}`),
      });
    }
    const before = await cluster.leaderNow();
    const successor = cluster.nextLeader(before.term);
    let killed = false;
    const acked = await load(cluster, 'mongo', 40, 4, (n) => {
      if (n === 15 && !killed) {
        killed = true;
        void cluster.kill(before.leader);
      }
    });
    await successor;
    expect(acked.size).toBe(40);
    await cluster.start(before.leader);
    for (const [key, value] of acked) expect(await cluster.read(key, before.leader)).toMatchObject({ value });
    expectOneLeaderPerTerm(cluster);
  });
});
