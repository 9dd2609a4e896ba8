// Consensus that nothing can wedge: forged peer traffic from a client that is not a replica, and a follower
// that misses megabytes of entries at the contract's value limit, against replicas as separate processes.
import type { ErrorEnvelope, LedgerProposeReply } from '@ossa/contracts';
import { httpGet, isErrorEnvelope, useCluster, waitFor, type ConsensusCluster } from '@ossa/testing';

jest.setTimeout(180_000);

const KIB = 1024;
const encoder = new TextEncoder();

async function put(
  cluster: ConsensusCluster,
  key: string,
  value: string,
  via?: string,
): Promise<LedgerProposeReply> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await cluster
      .propose<LedgerProposeReply>(
        { op: 'put', key, value, clientId: `robust-${key}`, requestId: 1 },
        via,
        10_000,
      )
      .catch(
        (e: Error) =>
          ({ error: { code: 'TRANSPORT', message: e.message, details: [] } }) as unknown as ErrorEnvelope,
      );
    if (!isErrorEnvelope(reply)) return reply;
  }
  throw new Error(`put ${key} was not acknowledged in 5 attempts`);
}

async function metric(cluster: ConsensusCluster, id: string, name: string, labels: string): Promise<number> {
  const started = cluster.children.get(id)!.logs.find((l) => l.msg === 'started')!;
  const text = (await httpGet(started.metrics as string)).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels},`) || l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('Raft replicas under forged and malformed peer traffic', () => {
  const cluster = useCluster('raftforge', ['f1', 'f2', 'f3']);

  it('drops and counts every forged message while the cluster keeps its term and keeps committing', async () => {
    const { leader, term } = await cluster.leaderNow();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const heartbeat = (from: string, to: string, t: unknown) => ({
      type: 'heartbeat',
      from,
      to,
      term: t,
      commit: 0,
    });
    const FORGED_TERM = term + 1000;
    // [to, the sender token of the subject, bytes]: this test connection is no replica, so it may claim any.
    const forged: [string, string, Uint8Array][] = [];
    for (const to of cluster.ids) {
      const peer = cluster.ids.find((id) => id !== to)!;
      const other = cluster.ids.find((id) => id !== to && id !== peer)!;
      const json = (m: unknown, sender?: string) => {
        const from = (m as { from?: unknown }).from;
        forged.push([to, sender ?? (typeof from === 'string' ? from : 'intruder'), encoder.encode(JSON.stringify(m))]);
      };
      json(heartbeat('intruder', to, 1e300)); // not a replica, absurd term
      json(heartbeat(peer, to, 1e300)); // a peer's id, absurd term
      json(heartbeat(peer, to, Number.MAX_SAFE_INTEGER + 2)); // unsafe integer
      json({ ...heartbeat(peer, to, FORGED_TERM), commit: -3 }); // negative index
      json({
        type: 'appendEntries',
        from: peer,
        to,
        term: FORGED_TERM,
        index: 0,
        logTerm: 0,
        commit: 0,
        entries: 'all',
      });
      json({ type: 'requestVote', from: peer, to, term: '9999', index: 1e9, logTerm: 9999 });
      json([1, 2, 3]);
      json(heartbeat(peer, to, FORGED_TERM), other); // well formed, but the subject says another replica sent it
      forged.push([to, peer, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b])]); // garbage bytes
      forged.push([to, 'intruder', new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 2, 8, ...encoder.encode('intruder'), 1, 2])]); // a fragment
    }
    const writes = Array.from({ length: 30 }, (_, i) => put(cluster, `during-forgery-${i}`, `v${i}`));
    for (let round = 0; round < 5; round++)
      for (const [to, sender, bytes] of forged) cluster.nc.publish(cluster.subject(to, `raft.${sender}`), bytes);
    await cluster.nc.flush();
    const acked = await Promise.all(writes);
    expect(acked.map((r) => r.result.value)).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`));

    const after = await put(cluster, 'after-forgery', 'ok', follower);
    expect(after.result).toEqual({ applied: true, value: 'ok' });
    // No forged term was adopted (elections under load may move the term by a few, never by a thousand).
    for (const id of cluster.ids) expect((await cluster.status(id)).term).toBeLessThan(FORGED_TERM);
    const dropped = (reason: string) =>
      metric(cluster, follower, 'ossa_consensus_peer_messages_dropped_total', `reason="${reason}"`);
    expect(await dropped('unknown_sender')).toBeGreaterThanOrEqual(10);
    expect(await dropped('range')).toBeGreaterThanOrEqual(15);
    expect(await dropped('shape')).toBeGreaterThanOrEqual(15);
    expect(await dropped('undecodable')).toBeGreaterThanOrEqual(5);
    expect(await dropped('forged_sender')).toBeGreaterThanOrEqual(5);
  });
});

describe('Raft replicas: a follower that misses megabytes of 250 KiB values catches up', () => {
  const cluster = useCluster('raftbig', ['b1', 'b2', 'b3'], {
    env: {
      CONSENSUS_SNAPSHOT_EVERY: '100',
      CONSENSUS_SNAPSHOT_CATCHUP_ENTRIES: '60',
      REQUEST_TIMEOUT_MS: '10000',
    },
  });
  const big = (i: number) => `${i}:`.padEnd(250 * KIB, String.fromCharCode(97 + (i % 26)));

  async function isolateFollower(): Promise<{ leader: string; follower: string }> {
    const { leader } = await cluster.leaderNow();
    const follower = cluster.ids.find((id) => id !== leader)!;
    await cluster.isolate(
      follower,
      cluster.ids.filter((id) => id !== follower),
    );
    return { leader, follower };
  }

  it('is caught up with appends (inside the catch-up window) after 24 values of 250 KiB', async () => {
    const { leader, follower } = await isolateFollower();
    for (let i = 0; i < 24; i++) await put(cluster, `window-${i}`, big(i), leader);
    const lagging = await cluster.status(follower);
    const leaderStatus = await cluster.status(leader);
    await cluster.heal();
    await waitFor(
      async () => (await cluster.status(follower)).appliedIndex >= leaderStatus.commitIndex,
      90_000,
      250,
    );
    const last = await cluster.read('window-23', follower);
    expect(last).toMatchObject({ value: big(23) });
    const caughtUp = await cluster.status(follower);
    expect(caughtUp.appliedIndex).toBeGreaterThanOrEqual(lagging.appliedIndex + 24);
    expect(
      cluster.children.get(leader)!.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('stopped:')),
    ).toBe(false);
  });

  it('is caught up with a snapshot of several megabytes, sent in fragments, when it lags past the window', async () => {
    const { leader, follower } = await isolateFollower();
    for (let i = 0; i < 24; i++) await put(cluster, `snap-big-${i}`, big(i + 1), leader);
    // Eight writers at a time: enough entries to pass the catch-up window and compact the leader's log.
    for (let i = 0; i < 140; i += 8)
      await Promise.all(
        Array.from({ length: Math.min(8, 140 - i) }, (_, k) =>
          put(cluster, `snap-small-${i + k}`, `s${i + k}`, leader),
        ),
      );
    const leaderStatus = await cluster.status(leader);
    expect(leaderStatus.firstLogIndex).toBeGreaterThan((await cluster.status(follower)).lastLogIndex + 1);
    await cluster.heal();
    // Installing a snapshot of tens of megabytes (fsync'd) takes seconds on a loaded machine: wait for the
    // follower to report it has applied the leader's commit point, then read through it.
    await waitFor(
      async () => (await cluster.status(follower)).appliedIndex >= leaderStatus.commitIndex,
      90_000,
      250,
    );
    expect(await cluster.read('snap-small-139', follower)).toMatchObject({ value: 's139' });
    expect(await cluster.read('snap-big-23', follower)).toMatchObject({ value: big(24) });
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
  });
});
