// Crash points: a registry process (its own OS process, state in JetStream key-value buckets, the ledger's
// replicas in this process) kills itself with SIGKILL at each named step of negotiation, award, delivery,
// completion and failover (OSSA_CRASH_AT, services/registry/src/handoff/crash-points.ts); a new process is
// started, and each task must end delivered exactly once to exactly one agent per epoch, the loads equal to
// the assignments, nothing left claimed or waiting — for a submitted task (redelivered by its stream) and for a
// handoff.initiate whose client never asks again (finished from the placement journal by the sweep). Then:
// deregistration with tasks in flight, a registry outage longer than the heartbeat timeout, two registry processes negotiating one task at
// once, a negotiation longer than ack_wait, and SIGTERM with negotiations in flight.
import type { KV, Msg, NatsConnection, Subscription } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import type { RunningService } from '@ossa/runtime';
import { deleteStreams, httpGet, requestJson, serviceEnv, spawnService, startLedger, testConnection, uniquePrefix, waitFor, type ChildService } from '@ossa/testing';
import { handoffKey, KvRegistryStore, registryBuckets } from '../../services/registry/src/agents/kv-registry.store';
import { CRASH_POINTS, type CrashPoint } from '../../services/registry/src/handoff/crash-points';
import { decodeHandoffState, handoffLedgerKey, type HandoffLedgerValue } from '../../services/registry/src/handoff/handoff-state';

jest.setTimeout(600_000);

const encoder = new TextEncoder();
const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

function agent(id: string, capability: string, trustScore = 0.9) {
  return { id, name: `Worker ${id}`, type: 'executor', capabilities: [{ id: capability, name: capability, version: '1.0', sla }], state: 'available', currentLoad: 0, maxLoad: 10, sla, trustScore };
}

function task(id: string, capability: string) {
  return { id, requiredCapabilities: [{ capabilityId: capability, version: '1.0', weight: 1 }], priority: 'high', deadline: new Date(Date.now() + 3_600_000).toISOString() };
}

describe('registry processes killed at every crash point', () => {
  const prefix = uniquePrefix('regcrash');
  const subjects = subjectsFor(prefix);
  const env = serviceEnv(prefix, {
    MONGO_URL: '',
    LOG_LEVEL: 'info',
    BID_WINDOW_MS: '100',
    AWARD_TIMEOUT_MS: '2000',
    HEARTBEAT_TIMEOUT_MS: '8000',
    SWEEP_INTERVAL_MS: '300',
    TASK_ACK_WAIT_MS: '2000',
    CLAIM_STALE_MS: '2500',
  });
  let nc: NatsConnection;
  let handoffs: KV;
  let ledger: RunningService[] = [];
  const registries = new Set<ChildService>();
  const subscriptions: Subscription[] = [];
  /** Agents the test keeps alive with heartbeats; one left out goes silent and fails. */
  const live = new Set<string>();
  let heartbeats: NodeJS.Timeout;

  const startRegistry = async (extra: Record<string, string> = {}) => {
    const registry = spawnService('services/registry/src/main.js', { ...env, ...extra });
    registries.add(registry);
    void registry.exited.then(() => registries.delete(registry));
    await registry.waitForLog((l) => l.msg === 'started', 60_000);
    return registry;
  };
  const ask = <T>(action: string, body: unknown, timeoutMs = 15_000) => requestJson<T>(nc, subjects.request('registry', action), body, { timeoutMs });
  const ledgerState = async (taskId: string): Promise<HandoffLedgerValue | null> =>
    decodeHandoffState((await requestJson<{ value: string | null }>(nc, subjects.request('consensus', 'read'), { key: handoffLedgerKey(taskId) })).value);
  const record = async (taskId: string) => (await handoffs.get(handoffKey(taskId)))?.json<{ status: string; agentId: string; epoch: number }>();
  // OSSA_TASKS is a work-queue stream: count the assignment messages per agent subject instead of consuming them.
  const deliveries = async (agentId: string): Promise<number> => {
    const info = await (await nc.jetstreamManager()).streams.info(subjects.streams.tasks, { subjects_filter: `${prefix}.tasks.assigned.${agentId}` });
    return info.state.subjects?.[`${prefix}.tasks.assigned.${agentId}`] ?? 0;
  };
  const openPlacements = async (): Promise<string[]> => {
    const journal = await (await nc.jetstream()).views.kv(registryBuckets(prefix).placements, { bindOnly: true });
    const keys: string[] = [];
    for await (const key of await journal.keys()) keys.push(key);
    return keys;
  };
  /** The current test's agents and tasks, retired at its end (see retire). */
  const testAgents = new Set<string>();
  const testTasks = new Set<string>();
  const submit = async (t: { id: string }) => testTasks.add(t.id) && (await nc.jetstream()).publish(subjects.tasksSubmit, encoder.encode(JSON.stringify(t)), { msgID: `submit:${t.id}` });
  const register = async (a: ReturnType<typeof agent>) => {
    await ask('agent.register', a);
    live.add(a.id);
    testAgents.add(a.id);
  };
  /**
   * Before a test stops its last registry: its tasks completed and its agents deregistered, so the tests after
   * it do not keep heartbeating them, and no later sweep hands their tasks over (where a later test's crash
   * point would fire in the sweep's negotiation instead of its own).
   */
  const retire = async () => {
    const [tasks, agents] = [[...testTasks], [...testAgents]];
    testTasks.clear();
    testAgents.clear();
    for (const agentId of agents) live.delete(agentId);
    for (const taskId of tasks) {
      const v = await ledgerState(taskId);
      if (v?.state === 'delivered' || v?.state === 'recorded') expect(await ask('task.complete', { taskId, agentId: v.agentId })).toMatchObject({ status: 'completed' });
    }
    for (const agentId of agents) {
      // A test may have deregistered its agent already.
      const reply = await ask<{ agentId?: string; error?: { code: string } }>('agent.deregister', { agentId });
      expect(reply.agentId ?? reply.error?.code).toBe(reply.agentId ? agentId : 'NOT_FOUND');
    }
  };
  /** The invariants after recovery: delivered to `holder` in `epoch`, once per agent, loads equal to assignments. */
  const settled = async (taskId: string, holder: string, epoch: number, perAgent: Record<string, number>, loads: Record<string, number>) => {
    await waitFor(async () => {
      const v = await ledgerState(taskId);
      return v?.state === 'delivered' && v.agentId === holder && v.epoch === epoch;
    }, 60_000, 100);
    expect(await ledgerState(taskId)).toMatchObject({ state: 'delivered', agentId: holder, epoch });
    expect(await record(taskId)).toMatchObject({ status: 'assigned', agentId: holder, epoch });
    for (const [agentId, count] of Object.entries(perAgent)) expect(await deliveries(agentId)).toBe(count);
    const currentLoads = async () => Object.fromEntries(await Promise.all(Object.keys(loads).map(async (id) => [id, (await ask<{ currentLoad: number }>('agent.get', { agentId: id })).currentLoad])));
    await waitFor(async () => JSON.stringify(await currentLoads()) === JSON.stringify(loads), 20_000, 200);
    expect(await currentLoads()).toEqual(loads);
  };
  const crashed = async (registry: ChildService, point: CrashPoint) => {
    expect(await registry.exited).toBeNull(); // killed by a signal
    expect(registry.logs.some((l) => l.crashPoint === point)).toBe(true);
  };

  beforeAll(async () => {
    nc = await testConnection();
    ledger = await startLedger(serviceEnv(prefix));
    heartbeats = setInterval(() => {
      for (const agentId of live) void ask('agent.heartbeat', { agentId }, 1000).catch(() => undefined);
    }, 300);
    // The buckets exist once a registry has started; bind to them then.
    const first = await startRegistry();
    handoffs = await (await nc.jetstream()).views.kv(registryBuckets(prefix).handoffs, { bindOnly: true });
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  afterAll(async () => {
    clearInterval(heartbeats);
    for (const r of registries) r.kill('SIGKILL');
    await Promise.all([...registries].map((r) => r.exited));
    for (const s of subscriptions) s.unsubscribe();
    await Promise.allSettled(ledger.map((s) => s.close()));
    await KvRegistryStore.destroy(await nc.jetstream(), prefix);
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  const negotiationPoints = CRASH_POINTS.filter((p) => p.startsWith('negotiation.') || p.startsWith('handoff.'));
  it.each(negotiationPoints)('killed at %s while placing a submitted task: the next process delivers it once', async (point) => {
    const cap = `cap-${point.replace(/\W/g, '-')}`;
    const [a, b] = [`${cap}-a`, `${cap}-b`];
    const crashing = await startRegistry({ OSSA_CRASH_AT: point });
    await register(agent(a, cap));
    await register(agent(b, cap, 0.2));
    await submit(task(`t-${cap}`, cap));
    await crashed(crashing, point);
    const next = await startRegistry();
    await settled(`t-${cap}`, a, 1, { [a]: 1, [b]: 0 }, { [a]: 1, [b]: 0 });
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  // handoff.initiate has no stream message to redeliver: a process that dies mid-negotiation leaves its entry in
  // the placement journal, and the next process's sweep places the task although its client never asks again.
  const initiatePoints = ['placement.journalled' as const, ...negotiationPoints];
  it.each(initiatePoints)('killed at %s while answering handoff.initiate, its client never asking again: the sweep places it once', async (point) => {
    const cap = `cap-i-${point.replace(/\W/g, '-')}`;
    const [a, b] = [`${cap}-a`, `${cap}-b`];
    const crashing = await startRegistry({ OSSA_CRASH_AT: point });
    await register(agent(a, cap));
    await register(agent(b, cap, 0.2));
    testTasks.add(`t-${cap}`);
    await expect(ask('handoff.initiate', task(`t-${cap}`, cap), 5000)).rejects.toThrow();
    await crashed(crashing, point);
    expect(await openPlacements()).toEqual([`t.t-${cap}`]);
    const next = await startRegistry();
    await settled(`t-${cap}`, a, 1, { [a]: 1, [b]: 0 }, { [a]: 1, [b]: 0 });
    await waitFor(async () => (await openPlacements()).length === 0, 20_000, 100);
    expect(await openPlacements()).toEqual([]);
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it.each(['complete.ledger', 'complete.stored'] as const)('killed at %s: the agent’s retried completion finishes it', async (point) => {
    const cap = `cap-${point.replace(/\W/g, '-')}`;
    const a = `${cap}-a`;
    const crashing = await startRegistry({ OSSA_CRASH_AT: point });
    await register(agent(a, cap));
    await submit(task(`t-${cap}`, cap));
    await settled(`t-${cap}`, a, 1, { [a]: 1 }, { [a]: 1 });
    await expect(ask('task.complete', { taskId: `t-${cap}`, agentId: a }, 3000)).rejects.toThrow();
    await crashed(crashing, point);
    const next = await startRegistry();
    expect(await ask('task.complete', { taskId: `t-${cap}`, agentId: a })).toMatchObject({ status: 'completed', currentLoad: 0 });
    expect(await ledgerState(`t-${cap}`)).toMatchObject({ state: 'completed', agentId: a, epoch: 1 });
    expect(await record(`t-${cap}`)).toMatchObject({ status: 'completed' });
    expect(await ask('agent.get', { agentId: a })).toMatchObject({ currentLoad: 0 });
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it.each(['failover.agent-failed', 'failover.reassigned', 'failover.waiting'] as const)('killed at %s: the next process finishes the failover', async (point) => {
    const cap = `cap-${point.replace(/\W/g, '-')}`;
    const [a, b] = [`${cap}-a`, `${cap}-b`];
    const crashing = await startRegistry({ OSSA_CRASH_AT: point });
    await register(agent(a, cap));
    await submit(task(`t-${cap}`, cap));
    await settled(`t-${cap}`, a, 1, { [a]: 1 }, { [a]: 1 });
    await register(agent(b, cap));
    live.delete(a); // a goes silent: the sweep marks it failed and hands its task to b
    await crashed(crashing, point);
    const next = await startRegistry();
    await settled(`t-${cap}`, b, 2, { [a]: 1, [b]: 1 }, { [a]: 0, [b]: 1 });
    expect(await ask('agent.get', { agentId: a })).toMatchObject({ state: 'failed' });
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('deregistering an agent with tasks in flight hands each of them to another agent, delivered once more', async () => {
    const cap = 'cap-dereg';
    const [a, b] = [`${cap}-a`, `${cap}-b`];
    const registry = await startRegistry();
    await register(agent(a, cap));
    const ids = Array.from({ length: 6 }, (_, i) => `t-${cap}-${i}`);
    for (const id of ids) await submit(task(id, cap));
    for (const id of ids) await waitFor(async () => (await ledgerState(id))?.state === 'delivered', 30_000, 100);
    await register(agent(b, cap));
    live.delete(a);
    expect(await ask('agent.deregister', { agentId: a })).toEqual({ agentId: a, removed: true });
    for (const id of ids) await waitFor(async () => (await ledgerState(id))?.agentId === b, 30_000, 100);
    for (const id of ids) await settled(id, b, 2, { [a]: 6, [b]: 6 }, { [b]: 6 });
    await expect(ask('agent.get', { agentId: a })).resolves.toMatchObject({ error: { code: 'NOT_FOUND' } });
    await retire();
    registry.kill('SIGTERM');
    expect(await registry.exited).toBe(0);
  });

  it('a registry down longer than HEARTBEAT_TIMEOUT_MS fails no agent when it comes back, and hands over no task', async () => {
    const cap = 'cap-outage';
    const a = `${cap}-a`;
    const first = await startRegistry();
    await register(agent(a, cap));
    await submit(task(`t-${cap}`, cap));
    await settled(`t-${cap}`, a, 1, { [a]: 1 }, { [a]: 1 });
    // Nothing can hear the agent while no registry runs: its heartbeats stop reaching anyone.
    live.delete(a);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const down = Date.now();
    const failed: string[] = [];
    const events = nc.subscribe(subjects.event('agentFailed'), { callback: (_e, m) => failed.push((JSON.parse(new TextDecoder().decode(m.data)) as { data: { agentId: string } }).data.agentId) });
    subscriptions.push(events);
    // The outage itself, longer than the 8 s heartbeat timeout (what is tested is its length).
    await new Promise((r) => setTimeout(r, 9000));
    const next = await startRegistry();
    const metricsUrl = next.logs.find((l) => typeof l.metrics === 'string')!.metrics as string;
    const sweeps = async () => Number(/^ossa_registry_sweeps_total(?:\{[^}]*\})? (\d+)/m.exec((await httpGet(metricsUrl)).text)?.[1] ?? 0);
    // Two sweeps with the agent still silent: before, the first one marked it failed and moved its task.
    await waitFor(async () => (await sweeps()) >= 2, 20_000, 100);
    live.add(a);
    await waitFor(async () => Date.parse((await ask<{ lastHeartbeat: string }>('agent.get', { agentId: a })).lastHeartbeat) > down, 20_000, 100);
    await nc.flush();
    expect(failed).toEqual([]);
    expect(await ask('agent.get', { agentId: a })).toMatchObject({ state: 'available', currentLoad: 1 });
    expect(await ledgerState(`t-${cap}`)).toMatchObject({ state: 'delivered', agentId: a, epoch: 1 });
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('two registry processes negotiating one task at once deliver it once', async () => {
    const cap = 'cap-two-instances';
    const agents = [0, 1, 2].map((i) => `${cap}-${i}`);
    const [r1, r2] = await Promise.all([startRegistry(), startRegistry()]);
    for (const id of agents) await register(agent(id, cap));
    // Each bid invitation comes from one registry process's connection: its reply inbox tells which.
    const inviters = new Set<string>();
    let awards = 0;
    for (const id of agents) {
      subscriptions.push(
        nc.subscribe(subjects.agent(id, 'bid'), {
          callback: (_e, msg: Msg) => {
            inviters.add(msg.reply!.split('.').slice(0, -1).join('.')); // the connection's request inbox: <inbox prefix>.<nuid>
            msg.respond(encoder.encode(JSON.stringify({ bid: true, confidence: 1 })));
          },
        }),
        // Slow awards keep the negotiations in flight together.
        nc.subscribe(subjects.agent(id, 'award'), {
          callback: (_e, msg: Msg) => {
            awards++;
            setTimeout(() => msg.respond(encoder.encode(JSON.stringify({ accepted: true }))), 300);
          },
        }),
      );
    }
    // 20 requests through the queue group: both processes get some (all to one: p = 2^-19).
    testTasks.add('t-two');
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask<{ selectedAgent: string; status: string }>('handoff.initiate', task('t-two', cap))));
    expect(inviters.size).toBe(2);
    const holder = answers[0].selectedAgent;
    expect(answers.every((x) => x.selectedAgent === holder)).toBe(true);
    expect(answers.filter((x) => x.status === 'assigned')).toHaveLength(1);
    const expected = Object.fromEntries(agents.map((id) => [id, id === holder ? 1 : 0]));
    await settled('t-two', holder, 1, expected, expected);
    expect(awards).toBe(1);
    await retire();
    for (const r of [r1, r2]) r.kill('SIGTERM');
    expect(await Promise.all([r1.exited, r2.exited])).toEqual([0, 0]);
  });

  it('a negotiation longer than ack_wait keeps its message (working()): one award, one delivery', async () => {
    const cap = 'cap-long-award';
    const a = `${cap}-a`;
    const [r1, r2] = await Promise.all([startRegistry({ AWARD_TIMEOUT_MS: '8000', CLAIM_STALE_MS: '20000' }), startRegistry({ AWARD_TIMEOUT_MS: '8000', CLAIM_STALE_MS: '20000' })]);
    await register(agent(a, cap));
    let awards = 0;
    subscriptions.push(
      nc.subscribe(subjects.agent(a, 'award'), {
        callback: (_e, msg: Msg) => {
          awards++;
          // Three times the 2 s ack_wait: without working() the submission would go to the other instance.
          setTimeout(() => msg.respond(encoder.encode(JSON.stringify({ accepted: true }))), 6000);
        },
      }),
    );
    const redelivered = async () => (await (await nc.jetstreamManager()).consumers.info(subjects.streams.tasks, 'registry-handoff')).num_redelivered;
    const before = await redelivered();
    await submit(task('t-long', cap));
    await settled('t-long', a, 1, { [a]: 1 }, { [a]: 1 });
    expect(await redelivered()).toBe(before);
    expect(awards).toBe(1);
    await retire();
    for (const r of [r1, r2]) r.kill('SIGTERM');
    expect(await Promise.all([r1.exited, r2.exited])).toEqual([0, 0]);
  });

  it('SIGTERM with negotiations in flight: they finish or are taken up by the next process, each task once', async () => {
    const cap = 'cap-sigterm';
    const agents = [0, 1, 2, 3].map((i) => `${cap}-${i}`);
    const stopping = await startRegistry();
    for (const id of agents) {
      await register(agent(id, cap));
      subscriptions.push(nc.subscribe(subjects.agent(id, 'award'), { callback: (_e, msg: Msg) => setTimeout(() => msg.respond(encoder.encode(JSON.stringify({ accepted: true }))), 200) }));
    }
    const ids = Array.from({ length: 12 }, (_, i) => `t-sigterm-${i}`);
    for (const id of ids) await submit(task(id, cap));
    await waitFor(async () => (await ledgerState(ids[0])) !== null, 20_000, 20);
    stopping.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    const next = await startRegistry();
    await waitFor(async () => (await Promise.all(ids.map(ledgerState))).every((s) => s?.state === 'delivered'), 60_000, 200);
    const states = await Promise.all(ids.map(ledgerState));
    const perAgent = Object.fromEntries(agents.map((id) => [id, states.filter((s) => s!.agentId === id).length]));
    for (const id of agents) expect(await deliveries(id)).toBe(perAgent[id]);
    // One delivery per task in all (a claim released because its agent filled up delivered nothing).
    const counts = await Promise.all(agents.map(deliveries));
    expect(counts.reduce((x, y) => x + y, 0)).toBe(ids.length);
    await waitFor(async () => (await Promise.all(agents.map((id) => ask<{ currentLoad: number }>('agent.get', { agentId: id })))).every((x, i) => x.currentLoad === perAgent[agents[i]]), 20_000, 200);
    await retire();
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});
