// The key-value registry store against the real JetStream server: two instances sharing the buckets (two
// registry processes), compare-and-set on revisions so no update is lost, the epoch guard on handoff
// records, and the watch that brings each instance the other's changes.
import type { NatsConnection } from 'nats';
import { testConnection, uniquePrefix, waitFor } from '@ossa/testing';
import type { AgentRecord, HandoffRecord } from '../../services/registry/src/agents/agent.record';
import { KvRegistryStore } from '../../services/registry/src/agents/kv-registry.store';

const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };
const agent = (id: string, extra: Partial<AgentRecord> = {}): AgentRecord => ({
  id,
  name: id,
  type: 'executor',
  capabilities: [{ id: 'cap', name: 'cap', version: '1.0' }],
  state: 'available',
  currentLoad: 0,
  maxLoad: 1000,
  sla,
  trustScore: 0.5,
  lastHeartbeat: new Date().toISOString(),
  ...extra,
});
const handoff = (taskId: string, agentId: string, epoch: number): HandoffRecord => ({ taskId, agentId, epoch, negotiationId: `n-${epoch}`, status: 'assigned', task: { id: taskId, priority: 'medium', requiredCapabilities: [{ capabilityId: 'c' }] }, assignedAt: new Date().toISOString(), failovers: 0 });

describe('KvRegistryStore on JetStream', () => {
  const prefix = uniquePrefix('regkvstore');
  let nc: NatsConnection;
  let one: KvRegistryStore;
  let two: KvRegistryStore;

  beforeAll(async () => {
    nc = await testConnection();
    one = await KvRegistryStore.open(nc.jetstream(), prefix);
    two = await KvRegistryStore.open(nc.jetstream(), prefix);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await KvRegistryStore.destroy(nc.jetstream(), prefix);
    await nc.drain();
  });

  it('loses no load change when two instances change one agent at once', async () => {
    await one.upsertAgent(agent('shared'));
    await waitFor(async () => (await two.getAgent('shared')) !== null);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).adjustLoad('shared', 1)));
    await waitFor(async () => (await one.getAgent('shared'))?.currentLoad === 40 && (await two.getAgent('shared'))?.currentLoad === 40);
    expect((await one.getAgent('shared'))!.currentLoad).toBe(40);
    // Registering again keeps the load; the revision moves on.
    const before = (await two.getAgent('shared'))!.revision!;
    const { created, agent: again } = await two.upsertAgent(agent('shared', { name: 'renamed', currentLoad: 3 }));
    expect(created).toBe(false);
    expect(again).toMatchObject({ name: 'renamed', currentLoad: 40 });
    expect(again.revision).toBeGreaterThan(before);
  });

  it('refuses a load past maxLoad, and a setLoad whose expected value is stale', async () => {
    await one.upsertAgent(agent('small', { maxLoad: 1 }));
    expect(await one.adjustLoad('small', 1)).toMatchObject({ currentLoad: 1 });
    expect(await one.adjustLoad('small', 1)).toBeNull();
    expect(await one.setLoad('small', 5, 0)).toBeNull();
    expect(await one.setLoad('small', 1, 0)).toMatchObject({ currentLoad: 0 });
  });

  it('keeps one record per task, a later epoch replacing an earlier one and never the reverse', async () => {
    expect(await one.recordHandoff(handoff('task-1', 'a', 1))).toBe(true);
    expect(await two.recordHandoff(handoff('task-1', 'b', 2))).toBe(true);
    expect(await one.recordHandoff(handoff('task-1', 'a', 1))).toBe(false);
    await waitFor(async () => (await one.getHandoff('task-1'))?.epoch === 2);
    expect(await one.handoffsOf('a')).toEqual([]);
    expect((await one.handoffsOf('b')).map((h) => h.taskId)).toEqual(['task-1']);
    expect(await one.updateHandoff('task-1', 1, ['assigned'], { status: 'completed' })).toBeNull();
    expect(await one.updateHandoff('task-1', 2, ['assigned'], { status: 'waiting' })).toMatchObject({ status: 'waiting', agentId: 'b' });
    await waitFor(async () => (await two.waitingHandoffs(10)).some((h) => h.taskId === 'task-1'));
    expect(await two.assignedCounts()).toEqual(new Map());
  });

  it('stores task ids that are not key tokens', async () => {
    const odd = 'task with spaces/and.dots ünïcode';
    expect(await one.recordHandoff(handoff(odd, 'a', 1))).toBe(true);
    await waitFor(async () => (await two.getHandoff(odd))?.taskId === odd);
  });

  it('removes an agent on every instance, and a store opened later reads what is left', async () => {
    await one.upsertAgent(agent('leaving'));
    await waitFor(async () => (await two.getAgent('leaving')) !== null);
    expect(await two.removeAgent('leaving')).toBe(true);
    expect(await two.removeAgent('leaving')).toBe(false);
    await waitFor(async () => (await one.getAgent('leaving')) === null);
    const three = await KvRegistryStore.open(nc.jetstream(), prefix);
    try {
      expect(await three.getAgent('leaving')).toBeNull();
      expect(await three.getAgent('shared')).toMatchObject({ currentLoad: 40, name: 'renamed' });
      expect(await three.getHandoff('task-1')).toMatchObject({ epoch: 2, status: 'waiting' });
    } finally {
      await three.close();
    }
  });
});
