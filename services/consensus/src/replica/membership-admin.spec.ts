// Membership change and leadership transfer on replicas wired in process (thesis §4.1–§4.2.3, §3.10).
import { MemoryReplicaLog } from '@ossa/consensus';
import { MembershipAdmin, MembershipError } from './membership-admin';
import { ReplicaNode } from './replica-node';

function node(id: string, peers: string[], nodes: Map<string, ReplicaNode>, join = false): ReplicaNode {
  const n = new ReplicaNode({
    id,
    peers,
    join,
    log: new MemoryReplicaLog(),
    electionTimeoutMs: 60,
    heartbeatMs: 15,
    snapshotEvery: 100_000,
    transport: { publish: (to, frame) => void setImmediate(() => nodes.get(to)?.receive(frame)) },
  });
  nodes.set(id, n);
  return n;
}

async function threeNodes(): Promise<{ nodes: Map<string, ReplicaNode>; leader: ReplicaNode }> {
  const nodes = new Map<string, ReplicaNode>();
  for (const id of ['r1', 'r2', 'r3']) node(id, ['r1', 'r2', 'r3'], nodes);
  await Promise.all([...nodes.values()].map((n) => n.start()));
  const leaderId = await nodes.get('r1')!.waitForLeader(5000);
  if (!leaderId) throw new Error('no leader elected');
  const leader = nodes.get(leaderId)!;
  // Once a write commits, so has the leader's entry of its term: it may change membership.
  await leader.propose({ op: 'put', key: 'warm-up', value: 'x' }, 5000);
  return { nodes, leader };
}

/** A heartbeat response as `from` would send it to `to`: only its sender is in question here. */
const frameFrom = (from: string, to: string, term: number) =>
  Buffer.from(JSON.stringify({ type: 'heartbeatResponse', from, to, term }));

async function failure(p: Promise<unknown>): Promise<MembershipError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MembershipError);
  return err as MembershipError;
}

/** Resolves once `check` holds (the state is asked on each loop turn of 10 ms); fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Drops Raft traffic between `id` and `peers` in both directions (an empty list heals). */
function cut(nodes: Map<string, ReplicaNode>, id: string, peers: string[]): void {
  nodes.get(id)!.isolate(peers);
  for (const p of peers) nodes.get(p)!.isolate([id]);
}

function healAll(nodes: Map<string, ReplicaNode>): void {
  for (const n of nodes.values()) n.isolate([]);
}

const stopAll = (nodes: Map<string, ReplicaNode>) => Promise.all([...nodes.values()].map((n) => n.stop()));

describe('MembershipAdmin: single-server changes (thesis §4.1)', () => {
  it('adds a joining replica, which becomes a peer of every voter only once its addition is in their logs', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const joiner = node('r4', ['r1', 'r2', 'r3', 'r4'], nodes, true);
      await joiner.start();
      expect(joiner.status()).toMatchObject({ member: false, peers: ['r1', 'r2', 'r3'] });
      const term = leader.status().term;
      expect(leader.receive(frameFrom('r4', leader.status().replicaId, term))).toMatchObject({
        reason: 'unknown_sender',
      });

      const out = await new MembershipAdmin(leader).change('add', 'r4', 5000);
      expect(out).toMatchObject({ action: 'add', replicaId: 'r4', voters: ['r1', 'r2', 'r3', 'r4'] });
      expect(leader.status().commitIndex).toBeGreaterThanOrEqual(out.index);
      expect(leader.receive(frameFrom('r4', leader.status().replicaId, term))).toBeNull();
      await joiner.waitForLeader(5000);
      // The joiner catches up through the leader's appends and learns it is a voter from the log.
      await until(() => joiner.status().member);
      expect(joiner.status()).toMatchObject({ member: true, peers: ['r1', 'r2', 'r3', 'r4'] });
    } finally {
      await stopAll(nodes);
    }
  });

  it('refuses a change on a follower (naming the leader), a duplicate, an unknown replica and a second empty voter', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const leaderId = leader.status().replicaId;
      const follower = [...nodes.values()].find((n) => n !== leader)!;
      expect(await failure(new MembershipAdmin(follower).change('add', 'r9', 1000))).toMatchObject({
        code: 'NOT_LEADER',
        leader: leaderId,
      });
      const admin = new MembershipAdmin(leader);
      expect(await failure(admin.change('add', 'r2', 1000))).toMatchObject({
        code: 'INVALID',
        constraint: 'alreadyMember',
      });
      expect(await failure(admin.change('remove', 'r9', 1000))).toMatchObject({
        code: 'INVALID',
        constraint: 'notMember',
      });
      // 'ghost' never runs: adding it commits (three of four), a fifth voter waits for it to catch up.
      await admin.change('add', 'ghost', 5000);
      expect(await failure(admin.change('add', 'ghost2', 1000))).toMatchObject({
        code: 'BUSY',
        constraint: 'notCaughtUp',
      });
      const removed = await admin.change('remove', 'ghost', 5000);
      expect(removed.voters).toEqual(['r1', 'r2', 'r3']);
    } finally {
      await stopAll(nodes);
    }
  });

  it('removes the leader: it commits its removal, steps down, and the others refuse it as a peer (thesis §4.2.2)', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const leaderId = leader.status().replicaId;
      const out = await new MembershipAdmin(leader).change('remove', leaderId, 5000);
      expect(out).toMatchObject({ committedBy: leaderId });
      expect(out.voters).not.toContain(leaderId);
      expect(leader.status()).toMatchObject({ member: false });
      expect(leader.isLeader).toBe(false);
      const rest = [...nodes.values()].filter((n) => n !== leader);
      // The others still follow the removed leader until they time out and elect one of themselves.
      await until(() => rest.some((n) => n.isLeader));
      const nextNode = rest.find((n) => n.isLeader)!;
      const next = nextNode.status().replicaId;
      expect(out.voters).toContain(next);
      // The new leader's log holds the removal too; it refuses the removed replica as a sender.
      await until(() => !nextNode.status().peers.includes(leaderId));
      expect(nextNode.receive(frameFrom(leaderId, next, nextNode.status().term))).toMatchObject({
        reason: 'unknown_sender',
      });
      const committed = await nextNode.propose({ op: 'put', key: 'k', value: 'v' }, 5000);
      expect(committed.result).toMatchObject({ applied: true, value: 'v' });
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('MembershipAdmin: a change whose leader is deposed before it commits', () => {
  it('answers with the commit the next leader made, naming it (check-quorum deposed the leader)', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const leaderId = leader.status().replicaId;
      const [behind, next] = ['r1', 'r2', 'r3'].filter((id) => id !== leaderId);
      // With 'ghost' added the quorum is three of four: cut from one follower the leader commits nothing and,
      // hearing from one peer of three, steps down; the entry is on the leader and the other follower.
      cut(nodes, leaderId, [behind]);
      const asked = new MembershipAdmin(leader).change('add', 'ghost', 5000);
      await until(() => !leader.isLeader);
      healAll(nodes);
      const out = await asked;
      expect(out).toMatchObject({ action: 'add', replicaId: 'ghost', voters: ['ghost', 'r1', 'r2', 'r3'] });
      // Only a replica holding the entry could be elected (§5.4.1): the deposed leader or the follower.
      expect([leaderId, next]).toContain(out.committedBy);
      expect(leader.status().commitIndex).toBeGreaterThanOrEqual(out.index);
    } finally {
      await stopAll(nodes);
    }
  });

  it('fails as MOVED when another leader overwrote the entry, so the caller asks the new leader', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const leaderId = leader.status().replicaId;
      const others = ['r1', 'r2', 'r3'].filter((id) => id !== leaderId);
      // Cut off alone, the leader's entry stays in its log; the other two elect a leader whose entries replace it.
      cut(nodes, leaderId, others);
      const asked = new MembershipAdmin(leader).change('add', 'ghost', 5000);
      await until(() => others.some((id) => nodes.get(id)!.isLeader));
      healAll(nodes);
      expect(await failure(asked)).toMatchObject({ code: 'MOVED', constraint: 'overwritten' });
      expect(leader.status().peers).toEqual(['r1', 'r2', 'r3']);
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('MembershipAdmin: leadership transfer (thesis §3.10)', () => {
  it('fails as BUSY at once when the leader abandons a transfer the target cannot finish, and still leads', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const from = leader.status().replicaId;
      const target = ['r1', 'r2', 'r3'].find((id) => id !== from)!;
      cut(nodes, from, [target]);
      // Abandoned after one election timeout (60 ms here), long before the 5 s this request may take.
      expect(await failure(new MembershipAdmin(leader).transfer(target, 5000))).toMatchObject({
        code: 'BUSY',
        constraint: 'transferAbandoned',
        leader: from,
      });
      expect(leader.isLeader).toBe(true);
      // Proposals flow again.
      const committed = await leader.propose({ op: 'put', key: 'after', value: 'v' }, 5000);
      expect(committed.result).toMatchObject({ applied: true });
    } finally {
      await stopAll(nodes);
    }
  });

  it('hands leadership to the named voter, then to the most up-to-date one, and refuses a non-voter', async () => {
    const { nodes, leader } = await threeNodes();
    try {
      const from = leader.status().replicaId;
      const target = ['r1', 'r2', 'r3'].find((id) => id !== from)!;
      expect(await failure(new MembershipAdmin(leader).transfer('r9', 1000))).toMatchObject({
        code: 'INVALID',
        constraint: 'notMember',
      });
      const admin = new MembershipAdmin(leader);
      // Two asked at once: the second finds the first under way.
      const [first, second] = await Promise.allSettled([
        admin.transfer(target, 5000),
        admin.transfer(undefined, 5000),
      ]);
      expect(second).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ code: 'BUSY', constraint: 'transferInProgress' }),
      });
      if (first.status !== 'fulfilled') throw first.reason;
      expect(first.value).toMatchObject({ from, leader: target });
      expect(nodes.get(target)!.isLeader).toBe(true);
      const onward = await new MembershipAdmin(nodes.get(target)!).transfer(undefined, 5000);
      expect(onward.from).toBe(target);
      expect(onward.leader).not.toBe(target);
      expect(onward.term).toBeGreaterThan(first.value.term);
    } finally {
      await stopAll(nodes);
    }
  });
});
