// The exactly-once handoff over the real ledger state machine (the consensus core's Ledger, applied in
// process), the memory store and a scripted agent gateway: races, takeovers, epochs and repairs that the
// crash e2e (test/registry/registry-crash.e2e-spec.ts) drives with real processes.
import { Ledger } from '@ossa/consensus';
import type { HandoffRequestDto } from '@ossa/contracts';
import type { EventPublisher, LedgerClient, NatsConnectionService } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { AgentDirectory } from '../agents/agent-directory';
import type { AgentRecord } from '../agents/agent.record';
import { MemoryRegistryStore } from '../agents/memory-registry.store';
import { loadRegistryConfig } from '../registry-config';
import type { RegistryMetrics } from '../registry.metrics';
import type { AgentGateway } from './agent.gateway';
import { FailoverService } from './failover.service';
import { decodeHandoffState, handoffLedgerKey } from './handoff-state';
import { HandoffService } from './handoff.service';
import { MemoryPlacementJournal } from './placement-journal';

const silent = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;
const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

function agent(id: string, extra: Partial<AgentRecord> = {}): AgentRecord {
  return { id, name: id, type: 'executor', capabilities: [{ id: 'cap', name: 'cap', version: '1.0', sla }], state: 'available', currentLoad: 0, maxLoad: 10, sla, trustScore: 0.9, lastHeartbeat: new Date().toISOString(), ...extra };
}

function task(id: string): HandoffRequestDto {
  return { id, requiredCapabilities: [{ capabilityId: 'cap', version: '1.0', weight: 1 }], priority: 'high', deadline: new Date(Date.now() + 3_600_000).toISOString() } as unknown as HandoffRequestDto;
}

/** Awards answer at once unless a test holds them; every delivery is kept with its message id. */
class ScriptedGateway implements AgentGateway {
  deliveries: { agentId: string; taskId: string; epoch: number; messageId: string }[] = [];
  awardDelayMs = 0;
  refuse = new Set<string>();
  async collectBids(agentIds: string[]) {
    return agentIds.map((agentId) => ({ agentId, kind: 'not_bidding' as const }));
  }
  async award(agentId: string) {
    if (this.awardDelayMs) await new Promise((r) => setTimeout(r, this.awardDelayMs));
    return !this.refuse.has(agentId);
  }
  async deliver(agentId: string, a: { taskId: string; epoch: number }, messageId: string) {
    this.deliveries.push({ agentId, taskId: a.taskId, epoch: a.epoch, messageId });
  }
  /** What an agent sees: a repeated message id inside the stream's duplicate window is dropped. */
  delivered(taskId: string) {
    return [...new Map(this.deliveries.filter((d) => d.taskId === taskId).map((d) => [d.messageId, d])).values()];
  }
}

async function setup(env: Record<string, string> = {}) {
  const config = loadRegistryConfig({ CLAIM_STALE_MS: '300', BID_WINDOW_MS: '5', AWARD_TIMEOUT_MS: '50', ...env });
  const store = new MemoryRegistryStore();
  const ledger = new Ledger();
  let index = 0;
  /** Ledger writes to fail (by the state they would write), once each: a replica lost mid-negotiation. */
  const failWrites = new Set<string>();
  const ledgerClient = {
    compareAndSet: async (key: string, expected: string | undefined, value: string | undefined) => {
      await Promise.resolve();
      const writing = value?.split('|')[0];
      if (writing && failWrites.delete(writing)) throw new Error(`ledger unreachable while writing ${writing}`);
      const r = ledger.apply({ op: 'cas', key, ...(expected !== undefined ? { expected } : {}), ...(value !== undefined ? { value } : {}) }, ++index);
      return { applied: r.applied, value: r.value, index };
    },
    read: async (key: string) => ledger.get(key),
  } as unknown as LedgerClient;
  const events: { type: string; id?: string }[] = [];
  const publisher = { publish: async (type: string, _data: unknown, o: { id?: string } = {}) => void events.push({ type, id: o.id }) } as unknown as EventPublisher;
  const metrics = { handoff() {}, failover() {}, failed() {}, stepTook() {}, step: <T>(_s: string, work: () => Promise<T>) => work() } as unknown as RegistryMetrics;
  const directory = new AgentDirectory(store, config, {} as NatsConnectionService, silent);
  const gateway = new ScriptedGateway();
  const journal = new MemoryPlacementJournal();
  const handoff = new HandoffService(store, directory, gateway, config, ledgerClient, publisher, metrics, silent, undefined, journal);
  const failover = new FailoverService(store, directory, config, handoff, publisher, silent, undefined, journal);
  const register = async (a: AgentRecord) => directory.changed((await store.upsertAgent(a)).agent);
  const state = (taskId: string) => decodeHandoffState(ledger.get(handoffLedgerKey(taskId)));
  const load = async (id: string) => (await store.getAgent(id))!.currentLoad;
  return { store, ledger, ledgerClient, gateway, handoff, failover, directory, register, state, load, events, journal, failWrites };
}

describe('HandoffService: exactly-once handoff', () => {
  it('assigns, records, delivers and completes through the ledger states, load following the assignment', async () => {
    const s = await setup();
    await s.register(agent('a'));
    const r = await s.handoff.negotiate(task('t1'));
    expect(r).toMatchObject({ selectedAgent: 'a', status: 'assigned', epoch: 1 });
    expect(s.state('t1')).toMatchObject({ state: 'delivered', agentId: 'a', epoch: 1 });
    expect(await s.load('a')).toBe(1);
    expect(await s.handoff.complete('t1', 'a', 'completed')).toMatchObject({ status: 'completed', currentLoad: 0 });
    // A repeated completion answers the same and does not count the load down again.
    expect(await s.handoff.complete('t1', 'a', 'completed')).toMatchObject({ status: 'completed', currentLoad: 0 });
    await expect(s.handoff.complete('t1', 'b', 'completed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A completed task asked again is answered, not assigned again.
    expect(await s.handoff.negotiate(task('t1'))).toMatchObject({ selectedAgent: 'a', status: 'already_assigned' });
    expect(s.gateway.delivered('t1')).toHaveLength(1);
  });

  it('two negotiations of one task at once (a retried initiate) deliver it once, to one agent', async () => {
    const s = await setup();
    for (const id of ['a', 'b', 'c']) await s.register(agent(id));
    s.gateway.awardDelayMs = 30;
    const answers = await Promise.all([s.handoff.negotiate(task('t2')), s.handoff.negotiate(task('t2')), s.handoff.negotiate(task('t2'))]);
    const delivered = s.gateway.delivered('t2');
    expect(delivered).toHaveLength(1);
    expect(new Set(answers.map((a) => a.selectedAgent))).toEqual(new Set([delivered[0].agentId]));
    expect(answers.filter((a) => a.status === 'assigned')).toHaveLength(1);
    const loads = await Promise.all(['a', 'b', 'c'].map((id) => s.load(id)));
    expect(loads.reduce((x, y) => x + y, 0)).toBe(1);
  });

  it('an award slower than CLAIM_STALE_MS is taken over; the slow negotiation follows instead of assigning another agent', async () => {
    const s = await setup({ CLAIM_STALE_MS: '100' });
    await s.register(agent('a'));
    await s.register(agent('b', { trustScore: 0.1 }));
    s.gateway.awardDelayMs = 400;
    const slow = s.handoff.negotiate(task('t3'));
    await new Promise((r) => setTimeout(r, 150));
    s.gateway.awardDelayMs = 0;
    const retried = await s.handoff.negotiate(task('t3'));
    const first = await slow;
    expect(s.gateway.delivered('t3')).toEqual([expect.objectContaining({ agentId: 'a', epoch: 1 })]);
    expect([first.selectedAgent, retried.selectedAgent]).toEqual(['a', 'a']);
    expect(await s.load('a')).toBe(1);
    expect(await s.load('b')).toBe(0);
  });

  it('a refusal releases the claim and the next agent gets the next epoch', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.register(agent('b', { trustScore: 0.1 }));
    s.gateway.refuse.add('a');
    expect(await s.handoff.negotiate(task('t4'))).toMatchObject({ selectedAgent: 'b', epoch: 2 });
    expect(await s.load('a')).toBe(0);
  });

  it('a failed task can be submitted again under its id: a new epoch and a new delivery', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t5'));
    await s.handoff.complete('t5', 'a', 'failed');
    expect(await s.handoff.negotiate(task('t5'))).toMatchObject({ selectedAgent: 'a', status: 'assigned', epoch: 2 });
    expect(s.gateway.delivered('t5').map((d) => d.epoch)).toEqual([1, 2]);
    expect(await s.load('a')).toBe(1);
  });

  it('A → B → A: each move is a new epoch, so the agent receives the task again despite the duplicate window', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t6'));
    await s.register(agent('b'));
    // a fails: its task goes to b; then b fails and a is back.
    await s.register(agent('a', { state: 'failed' }));
    await s.failover.sweep();
    expect(s.state('t6')).toMatchObject({ state: 'delivered', agentId: 'b', epoch: 2 });
    await s.register(agent('b', { state: 'failed' }));
    await s.register(agent('a'));
    await s.failover.sweep();
    expect(s.state('t6')).toMatchObject({ state: 'delivered', agentId: 'a', epoch: 3 });
    expect(s.gateway.delivered('t6').map((d) => `${d.agentId}@${d.epoch}`)).toEqual(['a@1', 'b@2', 'a@3']);
    expect([await s.load('a'), await s.load('b')]).toEqual([1, 0]);
    expect((await s.store.getHandoff('t6'))!.failovers).toBe(2);
  });

  it('a task no agent can take after failover waits, and a later sweep places it', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t7'));
    await s.register(agent('a', { state: 'failed' }));
    await s.failover.sweep();
    expect(s.state('t7')).toMatchObject({ state: 'reassigned', agentId: 'a' });
    expect((await s.store.getHandoff('t7'))!.status).toBe('waiting');
    await s.register(agent('c'));
    await s.failover.sweep();
    expect(s.state('t7')).toMatchObject({ state: 'delivered', agentId: 'c', epoch: 2 });
    expect(await s.store.waitingHandoffs(10)).toEqual([]);
  });

  it('deregistration moves the agent’s tasks to another agent', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t8'));
    await s.register(agent('b'));
    await s.store.removeAgent('a');
    s.directory.removed('a');
    await s.failover.failoverAgent('a');
    expect(s.state('t8')).toMatchObject({ state: 'delivered', agentId: 'b', epoch: 2 });
    expect(await s.load('b')).toBe(1);
  });

  it('a load that disagrees with the assignments is set to their count once the same mismatch lasts a second', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t9'));
    s.directory.changed((await s.store.adjustLoad('a', 3))!);
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      await s.failover.sweep();
      expect(await s.load('a')).toBe(4);
      clock.mockReturnValue(start + 500);
      await s.failover.sweep();
      expect(await s.load('a')).toBe(4);
      clock.mockReturnValue(start + 1000);
      await s.failover.sweep();
      expect(await s.load('a')).toBe(1);
    } finally {
      clock.mockRestore();
    }
  });

  it('registration and heartbeat keep the load the registry counts', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('t10'));
    await s.register(agent('a', { currentLoad: 7 }));
    await s.store.heartbeat('a', new Date().toISOString(), { state: 'available' });
    expect(await s.load('a')).toBe(1);
  });

  it('a refused award whose release then fails gives the load back once, not twice', async () => {
    const s = await setup();
    await s.register(agent('a'));
    await s.handoff.negotiate(task('r1'));
    expect(await s.load('a')).toBe(1);
    s.gateway.refuse.add('a');
    s.failWrites.add('released');
    await expect(s.handoff.negotiate(task('r2'))).rejects.toThrow('ledger unreachable while writing released');
    expect(await s.load('a')).toBe(1);
  });

  it('with no consensus replica running, a handoff is refused at once with QUORUM_NOT_MET (retryable), never placed', async () => {
    const s = await setup();
    await s.register(agent('a'));
    // What LedgerClient answers when NATS reports no responders on the ledger's subjects.
    Object.assign(s.ledgerClient, { compareAndSet: async () => null, read: async () => undefined });
    await expect(s.handoff.negotiate(task('q1'), { journal: 'open' })).rejects.toMatchObject({ code: 'QUORUM_NOT_MET', details: [expect.objectContaining({ field: 'ledger', constraint: 'noResponders' })] });
    expect(s.gateway.deliveries).toEqual([]);
    // Nothing was claimed, so the refusal is the outcome: no journal entry for the sweep to place later.
    expect(s.journal.entries.size).toBe(0);
    // But an entry an earlier attempt left (its claim may be in the ledger) stays for the sweep.
    await s.journal.open({ task: task('q2'), at: Date.now(), attempts: 1 });
    await expect(s.handoff.negotiate(task('q2'), { journal: 'open' })).rejects.toMatchObject({ code: 'QUORUM_NOT_MET' });
    expect([...s.journal.entries.keys()]).toEqual(['q2']);
    expect(await s.load('a')).toBe(0);
  });

  describe('the placement journal (handoff.initiate)', () => {
    const aged = async <T>(ms: number, work: () => Promise<T>): Promise<T> => {
      const now = Date.now();
      const clock = jest.spyOn(Date, 'now').mockReturnValue(now + ms);
      try {
        return await work();
      } finally {
        clock.mockRestore();
      }
    };

    it('an ended placement leaves no entry: placed, or refused because nobody can take it', async () => {
      const s = await setup();
      await s.register(agent('a'));
      await s.handoff.negotiate(task('j1'), { journal: 'open' });
      await expect(s.handoff.negotiate({ ...task('j2'), requiredCapabilities: [{ capabilityId: 'nobody', version: '1.0', weight: 1 }] } as HandoffRequestDto, { journal: 'open' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect([...s.journal.entries.keys()]).toEqual([]);
    });

    it('a negotiation that fails after its claim keeps its entry; the sweep finishes it once the claim is stale, delivering once', async () => {
      const s = await setup({ CLAIM_STALE_MS: '300' });
      await s.register(agent('a'));
      s.failWrites.add('recorded');
      await expect(s.handoff.negotiate(task('j3'), { journal: 'open' })).rejects.toThrow('ledger unreachable');
      expect(s.state('j3')).toMatchObject({ state: 'claimed', agentId: 'a', epoch: 1 });
      expect([...s.journal.entries.keys()]).toEqual(['j3']);
      // Not stale yet: the sweep leaves it (its negotiation may still be running somewhere).
      await s.failover.sweep();
      expect(s.state('j3')).toMatchObject({ state: 'claimed' });
      await aged(400, () => s.failover.sweep());
      expect(s.state('j3')).toMatchObject({ state: 'delivered', agentId: 'a', epoch: 1 });
      expect(s.gateway.delivered('j3')).toHaveLength(1);
      expect(await s.load('a')).toBe(1);
      expect([...s.journal.entries.keys()]).toEqual([]);
    });

    it('a placement whose registry died before any claim is placed by the sweep; a client retry meanwhile is answered, not placed twice', async () => {
      const s = await setup({ CLAIM_STALE_MS: '300' });
      await s.register(agent('a'));
      await s.journal.open({ task: task('j4'), at: Date.now(), attempts: 1 });
      await aged(400, () => s.failover.sweep());
      expect(s.state('j4')).toMatchObject({ state: 'delivered', agentId: 'a', epoch: 1 });
      expect(await s.handoff.negotiate(task('j4'), { journal: 'open' })).toMatchObject({ status: 'already_assigned', selectedAgent: 'a' });
      expect(s.gateway.delivered('j4')).toHaveLength(1);
      expect([...s.journal.entries.keys()]).toEqual([]);
    });

    it('a stranded placement nobody can take any more ends with handoffFailed, and an entry that is not a task is dropped unread', async () => {
      const s = await setup({ CLAIM_STALE_MS: '300' });
      await s.journal.open({ task: task('j5'), at: Date.now(), attempts: 1 });
      await s.journal.open({ task: { id: 'j6', priority: 'not-a-priority' } as unknown as HandoffRequestDto, at: Date.now(), attempts: 1 });
      await aged(400, () => s.failover.sweep());
      expect(s.events.filter((e) => e.type === 'handoffFailed').map((e) => e.id)).toEqual(['handoffFailed:j5:resumed:2']);
      expect(s.state('j6')).toBeNull();
      expect([...s.journal.entries.keys()]).toEqual([]);
    });
  });
});
