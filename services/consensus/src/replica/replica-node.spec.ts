// The replica's loop under a bad day: forged bytes, failing sends, a failing log, oversized values.
import { MemoryReplicaLog, type ReadyWrite } from '@ossa/consensus';
import { ReplicaNode, type LoopState } from './replica-node';
import { encodeMessage } from './wire';

const ids = ['r1', 'r2', 'r3'];

/** Three nodes wired through an in-process transport; `failSendsFrom` makes a node's publishes throw. */
function cluster(
  opts: {
    maxPayload?: number;
    logFor?: (id: string) => MemoryReplicaLog;
    onFatal?: (e: unknown) => void;
    snapshotEvery?: number;
    onLeader?: (id: string) => void;
    streamWindowBytes?: number;
  } = {},
) {
  const nodes = new Map<string, ReplicaNode>();
  /** unacked: fragments of each message sent and not yet acknowledged; mostUnacked: the peak over messages. */
  const frames = { sent: 0, largest: 0, acks: 0, unacked: new Map<string, number>(), mostUnacked: 0 };
  const faults = { failSendsFrom: new Set<string>(), dropAcks: false };
  for (const id of ids) {
    const node = new ReplicaNode({
      id,
      peers: ids,
      log: opts.logFor?.(id) ?? new MemoryReplicaLog(),
      electionTimeoutMs: 60,
      heartbeatMs: 15,
      snapshotEvery: opts.snapshotEvery ?? 100_000,
      onFatal: opts.onFatal,
      onRoleChange: (role) => role === 'leader' && opts.onLeader?.(id),
      snapshotCatchUpEntries: 10,
      maxPayload: opts.maxPayload,
      streamWindowBytes: opts.streamWindowBytes,
      streamStallMs: 300,
      transport: {
        publish: (to, frame) => {
          if (faults.failSendsFrom.has(id)) throw new Error('broker refused the publish');
          const buf = Buffer.from(frame);
          if (frame[0] === 1) {
            if (faults.dropAcks) return;
            frames.acks++;
            const key = `${to}>${id}#${buf.readUInt32BE(1)}`;
            frames.unacked.set(key, (frames.unacked.get(key) ?? 0) - 1);
          } else if (frame[0] === 0) {
            const key = `${id}>${to}#${buf.readUInt32BE(1)}`;
            frames.unacked.set(key, (frames.unacked.get(key) ?? 0) + 1);
            frames.mostUnacked = Math.max(frames.mostUnacked, frames.unacked.get(key)!);
          }
          frames.sent++;
          frames.largest = Math.max(frames.largest, frame.length);
          // Asynchronous delivery, like a broker.
          setImmediate(() => nodes.get(to)?.receive(frame));
        },
      },
    });
    nodes.set(id, node);
  }
  return { nodes, frames, faults };
}

async function startAll(nodes: Map<string, ReplicaNode>): Promise<ReplicaNode> {
  await Promise.all([...nodes.values()].map((n) => n.start()));
  const leaderId = await nodes.get('r1')!.waitForLeader(5000);
  if (!leaderId) throw new Error('no leader elected');
  return nodes.get(leaderId)!;
}

const stopAll = (nodes: Map<string, ReplicaNode>) => Promise.all([...nodes.values()].map((n) => n.stop()));

describe('ReplicaNode: peer traffic is checked before it reaches Raft', () => {
  it('drops forged and garbage frames with a reason and keeps committing', async () => {
    const { nodes } = cluster();
    const leader = await startAll(nodes);
    try {
      const follower = [...nodes.values()].find((n) => n !== leader)!;
      const forged = (m: object) => Buffer.from(JSON.stringify(m));
      const term = follower.status().term;
      const self = follower.status().replicaId;
      const peer = ids.find((id) => id !== self)!;
      expect(
        follower.receive(forged({ type: 'heartbeat', from: 'intruder', to: self, term: 1e300, commit: 0 })),
      ).toMatchObject({ reason: 'unknown_sender' });
      expect(
        follower.receive(forged({ type: 'heartbeat', from: peer, to: self, term: 1e300, commit: 0 })),
      ).toMatchObject({ reason: 'range' });
      expect(
        follower.receive(
          forged({ type: 'heartbeat', from: peer, to: self, term: Number.MAX_SAFE_INTEGER + 2, commit: 0 }),
        ),
      ).toMatchObject({ reason: 'range' });
      expect(
        follower.receive(forged({ type: 'heartbeat', from: peer, to: self, term: '7', commit: 0 })),
      ).toMatchObject({ reason: 'shape' });
      expect(follower.receive(Buffer.from([0xff, 0x00, 0x13, 0x37]))).toMatchObject({
        reason: 'undecodable',
      });
      expect(follower.receive(Buffer.from('{"type":'))).toMatchObject({ reason: 'undecodable' });
      expect(
        follower.receive(forged({ type: 'heartbeat', from: peer, to: 'r9', term: 1, commit: 0 })),
      ).toMatchObject({ reason: 'wrong_recipient' });
      const out = await leader.propose({ op: 'put', key: 'k', value: 'v' }, 3000);
      expect(out.result).toMatchObject({ applied: true, value: 'v' });
      expect(follower.status().term).toBe(term);
    } finally {
      await stopAll(nodes);
    }
  });

  it('drops a message or fragment whose sender is not the one its subject proves', async () => {
    const { nodes } = cluster({ maxPayload: 64 * 1024 });
    const leader = await startAll(nodes);
    try {
      const follower = [...nodes.values()].find((n) => n !== leader)!;
      const self = follower.status().replicaId;
      const [peer, other] = ids.filter((id) => id !== self);
      const term = follower.status().term;
      const stale = Buffer.from(
        JSON.stringify({ type: 'heartbeat', from: peer, to: self, term: 0, commit: 0 }),
      );
      expect(follower.receive(stale, other)).toEqual({
        reason: 'forged_sender',
        detail: `from ${peer} but sent by ${other}`,
      });
      expect(follower.receive(stale, peer)).toBeNull();
      const fragment = Buffer.concat([
        Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 2, peer.length]),
        Buffer.from(peer),
        Buffer.from('{}'),
      ]);
      expect(follower.receive(fragment, other)).toMatchObject({ reason: 'unknown_sender' });
      expect(follower.status().term).toBe(term);
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: no single failure wedges it', () => {
  it('treats a throwing send as message loss: the loop keeps running and commits once sends work again', async () => {
    const { nodes, faults } = cluster();
    const leader = await startAll(nodes);
    try {
      const leaderId = leader.status().replicaId;
      faults.failSendsFrom.add(leaderId);
      const pending = leader.propose({ op: 'put', key: 'k', value: 'after-failures' }, 5000);
      await new Promise((r) => setTimeout(r, 30));
      expect(leader.loopState()).toEqual<LoopState>({ state: 'running' });
      faults.failSendsFrom.clear();
      // The proposal commits, through this leader or (if leadership moved) fails fast with a retryable error.
      const outcome = await pending.then(
        (o) => o.result.value,
        (e: { code: string }) => e.code,
      );
      expect(['after-failures', 'DROPPED']).toContain(outcome);
      expect([...nodes.values()].every((n) => n.loopState().state === 'running')).toBe(true);
    } finally {
      await stopAll(nodes);
    }
  });

  it('stops for good on a storage error, reports why once, and fails pending proposals at once', async () => {
    class FailingLog extends MemoryReplicaLog {
      failing = false;
      override async persist(write: ReadyWrite, options: { sync: boolean }): Promise<void> {
        if (this.failing && write.entries.length > 0) throw new Error('disk full');
        return super.persist(write, options);
      }
    }
    const logs = new Map(ids.map((id) => [id, new FailingLog()]));
    const fatal: unknown[] = [];
    const { nodes } = cluster({ logFor: (id) => logs.get(id)!, onFatal: (e) => fatal.push(e) });
    const leader = await startAll(nodes);
    try {
      logs.get(leader.status().replicaId)!.failing = true;
      await expect(leader.propose({ op: 'put', key: 'k', value: 'v' }, 5000)).rejects.toMatchObject({
        code: 'FAILED',
      });
      expect(leader.loopState()).toEqual({ state: 'failed', reason: 'Error: disk full' });
      expect(fatal).toHaveLength(1);
      await expect(leader.propose({ op: 'put', key: 'k', value: 'w' }, 5000)).rejects.toMatchObject({
        code: 'FAILED',
      });
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: messages bounded in bytes', () => {
  it('replicates 256 KiB values with no frame over the max payload, and reassembles larger messages', async () => {
    const maxPayload = 128 * 1024;
    const { nodes, frames } = cluster({ maxPayload });
    const leader = await startAll(nodes);
    try {
      const big = 'x'.repeat(256 * 1024);
      for (let i = 0; i < 3; i++) await leader.propose({ op: 'put', key: `big-${i}`, value: big }, 5000);
      expect(frames.largest).toBeLessThanOrEqual(maxPayload);
      for (const n of nodes.values()) {
        const value = await n.read('big-2', 5000);
        expect(value.value).toBe(big);
      }
    } finally {
      await stopAll(nodes);
    }
  });

  it('a frame of a message from a non-peer is dropped before reassembly', async () => {
    const { nodes } = cluster({ maxPayload: 64 * 1024 });
    await startAll(nodes);
    try {
      const bytes = encodeMessage({ type: 'heartbeat', from: 'r2', to: 'r1', term: 1, commit: 0 });
      const fragment = Buffer.concat([
        Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 2, 5]),
        Buffer.from('alien'),
        Buffer.from(bytes),
      ]);
      expect(nodes.get('r1')!.receive(fragment)).toMatchObject({ reason: 'unknown_sender' });
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: a lagging follower catches up', () => {
  it('past the catch-up window through a snapshot sent in fragments, then the entries after it', async () => {
    const { nodes, frames } = cluster({ maxPayload: 64 * 1024, snapshotEvery: 20 });
    const leader = await startAll(nodes);
    try {
      const lagging = [...nodes.values()].find((n) => n !== leader)!;
      const others = ids.filter((id) => id !== lagging.status().replicaId);
      lagging.isolate(others);
      for (const n of nodes.values()) if (n !== lagging) n.isolate([lagging.status().replicaId]);
      const big = 'y'.repeat(100 * 1024);
      for (let i = 0; i < 45; i++)
        await leader.propose({ op: 'put', key: `k${i}`, value: i % 5 === 0 ? big : `v${i}` }, 5000);
      expect(leader.status().firstLogIndex).toBeGreaterThan(lagging.status().lastLogIndex + 1);
      const before = frames.sent;
      for (const n of nodes.values()) n.isolate([]);
      expect(await lagging.waitForLeader(5000)).not.toBeNull();
      const read = await lagging.read('k44', 5000);
      expect(read.value).toBe('v44');
      // The snapshot (over 900 KiB of values) cannot fit one 64 KiB frame: it went in fragments.
      expect(frames.sent - before).toBeGreaterThan(15);
      expect((await lagging.read('k40', 5000)).value).toBe(big);
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: a snapshot streams with a window of fragments in flight', () => {
  it('keeps at most the window unacknowledged, and abandons and resends a stream whose acks are lost', async () => {
    // 64 KiB frames and a 256 KiB window: four fragments in flight at most.
    const { nodes, frames, faults } = cluster({
      maxPayload: 64 * 1024,
      snapshotEvery: 20,
      streamWindowBytes: 256 * 1024,
    });
    const leader = await startAll(nodes);
    try {
      const lagging = [...nodes.values()].find((n) => n !== leader)!;
      const laggingId = lagging.status().replicaId;
      lagging.isolate(ids.filter((id) => id !== laggingId));
      for (const n of nodes.values()) if (n !== lagging) n.isolate([laggingId]);
      const big = 'z'.repeat(100 * 1024);
      for (let i = 0; i < 45; i++)
        await leader.propose({ op: 'put', key: `w${i}`, value: i % 5 === 0 ? big : `v${i}` }, 5000);
      expect(leader.status().firstLogIndex).toBeGreaterThan(lagging.status().lastLogIndex + 1);
      // First with every ack lost: the stream stops at the window and is abandoned after the stall time.
      faults.dropAcks = true;
      const acksBefore = frames.acks;
      const stalled = new Promise<void>((resolve) => {
        const started = frames.sent;
        const check = setInterval(() => {
          if (frames.sent - started === 0 || frames.mostUnacked !== 4) return;
          clearInterval(check);
          resolve();
        }, 5);
      });
      for (const n of nodes.values()) n.isolate([]);
      await stalled;
      expect(frames.acks).toBe(acksBefore);
      faults.dropAcks = false;
      expect((await lagging.read('w44', 10_000)).value).toBe('v44');
      expect((await lagging.read('w40', 5000)).value).toBe(big);
      // The snapshot (over 900 KiB) went in more than 15 fragments, each acknowledged, never over the window.
      expect(frames.acks - acksBefore).toBeGreaterThan(15);
      expect(frames.mostUnacked).toBe(4);
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: a proposal whose term ended fails at once (thesis §6.3)', () => {
  it('rejects with the retryable DROPPED when its leader is deposed, long before the request timeout', async () => {
    let newLeader: (id: string) => void = () => undefined;
    const { nodes } = cluster({ onLeader: (id) => newLeader(id) });
    const old = await startAll(nodes);
    try {
      const oldId = old.status().replicaId;
      const elected = new Promise<void>((resolve) => (newLeader = (id) => id !== oldId && resolve()));
      const others = ids.filter((id) => id !== oldId);
      old.isolate(others);
      for (const id of others) nodes.get(id)!.isolate([oldId]);
      const started = Date.now();
      const pending = old.propose({ op: 'put', key: 'lost', value: 'x' }, 30_000).then(
        () => 'committed',
        (e: { code: string }) => e.code,
      );
      // The majority elects another leader; healing lets the old one hear of the newer term.
      await elected;
      for (const n of nodes.values()) n.isolate([]);
      expect(await pending).toBe('DROPPED');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await stopAll(nodes);
    }
  });
});

describe('ReplicaNode: proposals of one batch request share a Ready', () => {
  /** A memory log that remembers how many entries each Ready wrote. */
  class RecordingLog extends MemoryReplicaLog {
    readonly writes: number[] = [];
    override async persist(write: ReadyWrite, options: { sync: boolean }): Promise<void> {
      if (write.entries.length > 0) this.writes.push(write.entries.length);
      return super.persist(write, options);
    }
  }

  it('steps every proposal queued inside together() in one pass: one log write for all of them', async () => {
    const logs = new Map<string, RecordingLog>();
    const { nodes } = cluster({ logFor: (id) => logs.set(id, new RecordingLog()).get(id)! });
    const leader = await startAll(nodes);
    try {
      const log = logs.get(leader.status().replicaId)!;
      const before = log.writes.length;
      const outcomes = await Promise.all(
        leader.together(() => Array.from({ length: 10 }, (_, i) => leader.propose({ op: 'put', key: `k${i}`, value: 'v' }, 5000))),
      );
      const indexes = outcomes.map((o) => o.index);
      expect(indexes).toEqual(Array.from({ length: 10 }, (_, i) => indexes[0] + i));
      expect(log.writes.slice(before)).toContain(10);
    } finally {
      await stopAll(nodes);
    }
  });
});
