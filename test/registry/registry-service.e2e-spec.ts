import { randomBytes, randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import type { NatsConnection } from 'nats';
import { HandoffRequestDto, subjectsFor, validateDto, type ErrorEnvelope, type EventEnvelope } from '@ossa/contracts';
import { NatsConnectionService, readStoredMessages } from '@ossa/messaging';
import { databaseName } from '@ossa/persistence';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, isErrorEnvelope, mongoUrlOrWarn, natsUrl, requestJson, serviceEnv, startLedger, testConnection, uniquePrefix, waitFor, testCredsFile } from '@ossa/testing';
import { AgentDirectory } from '../../services/registry/src/agents/agent-directory';
import type { RegistryStore } from '../../services/registry/src/agents/agent.record';
import { registryService } from '../../services/registry/src/definition';
import { HandoffService } from '../../services/registry/src/handoff/handoff.service';
import { REGISTRY_STORE } from '../../services/registry/src/registry.tokens';
import { encodeHandoffState, handoffLedgerKey } from '../../services/registry/src/handoff/handoff-state';

jest.setTimeout(120_000);

const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

function agent(id: string, extra: Record<string, unknown> = {}, capability = 'data-processing', version = '1.0') {
  return {
    id,
    name: `Worker ${id}`,
    type: 'executor',
    capabilities: [{ id: capability, name: capability, version, parameters: [], constraints: [], cost: { baseUnits: 10, scalingFactor: 1.5, currency: 'tokens', budgetRequired: true }, sla }],
    state: 'available' as const,
    currentLoad: 0,
    maxLoad: 10,
    sla,
    trustScore: 0.9,
    lastHeartbeat: new Date().toISOString(),
    metadata: { version: '1.0', framework: 'ossa', region: 'us-west-2', tags: ['worker'], owner: 'system', createdAt: new Date().toISOString(), lastUpdated: new Date().toISOString() },
    ...extra,
  };
}

function task(id: string, capability = 'data-processing', extra: Record<string, unknown> = {}) {
  return {
    id,
    workflowId: 'wf-1',
    requiredCapabilities: [{ capabilityId: capability, version: '1.0', parameters: {}, alternatives: [], weight: 1 }],
    priority: 'high',
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    budget: { maxTokens: 1000, maxCost: 100, currency: 'USD' },
    slaRequirements: { responseTimeMs: 5000, availabilityPercent: 99.5 },
    metadata: { createdBy: 'user-1', createdAt: new Date().toISOString(), estimatedDuration: 60, complexity: 'moderate', category: 'data-processing' },
    ...extra,
  };
}

interface Negotiation {
  id: string;
  taskId: string;
  selectedAgent: string;
  candidates: { agentId: string; score: number; breakdown: Record<string, number>; bid?: string }[];
  rounds: number;
  status: string;
}

const mongoUrl = mongoUrlOrWarn('registry with MongoDB state');
const describeMongo = mongoUrl ? describe : describe.skip;

describeMongo('registry service over NATS with MongoDB state', () => {
  const prefix = uniquePrefix('registry');
  const subjects = subjectsFor(prefix);
  const env = serviceEnv(prefix, { MONGO_URL: mongoUrl!, REGISTRY_MAX_AGENTS: '40', BID_WINDOW_MS: '300', HEARTBEAT_TIMEOUT_MS: '3000', SWEEP_INTERVAL_MS: '250' });
  let nc: NatsConnection;
  const running: RunningService[] = [];
  const ask = <T>(action: string, body: unknown, timeoutMs = 10_000) => requestJson<T>(nc, subjects.request('registry', action), body, { timeoutMs });
  // Agents registered through `register` keep sending heartbeats (the sweeper fails silent ones after 3 s).
  const alive = new Set<string>();
  let beating: NodeJS.Timeout;
  const register = async <T = { created: boolean; agent: { id: string; name: string } }>(a: { id: string }) => {
    const reply = await ask<T>('agent.register', a);
    if (!isErrorEnvelope(reply)) alive.add(a.id);
    return reply;
  };
  /** Task → agent of every stored `assigned` handoffCompleted event of these tasks; fails if a task went to two agents. */
  const assignedSoFar = async (nats: NatsConnectionService, taskPrefix: string): Promise<Map<string, string>> => {
    const placed = new Map<string, string>();
    const twice: string[] = [];
    for (const m of await readStoredMessages(nats, subjects.streams.events, subjects.event('handoffCompleted'), 100_000)) {
      const e = (JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<Negotiation>).data;
      if (!e.taskId.startsWith(taskPrefix) || e.status !== 'assigned') continue;
      const before = placed.get(e.taskId);
      if (before !== undefined && before !== e.selectedAgent) twice.push(`${e.taskId}: ${before} and ${e.selectedAgent}`);
      placed.set(e.taskId, e.selectedAgent);
    }
    // One assertion per read (not one per event: with a thousand events per poll, expect() itself cost a fifth of the process's time).
    expect(twice).toEqual([]);
    return placed;
  };
  const deregister = async (agentId: string) => {
    alive.delete(agentId);
    return ask('agent.deregister', { agentId });
  };

  beforeAll(async () => {
    nc = await testConnection();
    running.push(...(await startLedger(serviceEnv(prefix))));
    running.push(await startService(registryService, env));
    beating = setInterval(() => {
      for (const agentId of alive) void ask('agent.heartbeat', { agentId }).catch(() => undefined);
    }, 800);
  });

  // Only the current test's agents keep beating: FerretDB on SQLite serialises writes.
  afterEach(() => alive.clear());

  afterAll(async () => {
    clearInterval(beating);
    await Promise.allSettled(running.map((s) => s.close()));
    const db = await mongoose.createConnection(mongoUrl!, { dbName: databaseName(prefix, 'registry') }).asPromise();
    await db.dropDatabase();
    await db.close();
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it('registers, updates, lists with filters and pages, heartbeats and deregisters agents', async () => {
    type Registered = { created: boolean; agent: { id: string; name: string; revision: number; metadata: { createdAt: string; lastUpdated: string } } };
    const first = await register<Registered>(agent('lst-1', { metadata: { createdAt: '2026-01-01T00:00:00.000Z' } }));
    expect(first.created).toBe(true);
    const again = await register<Registered>(agent('lst-1', { name: 'Renamed', metadata: { createdAt: '2026-06-01T00:00:00.000Z' } }));
    expect(again).toMatchObject({ created: false, agent: { name: 'Renamed' } });
    // Registering again keeps the first createdAt and moves the revision on.
    expect(again.agent.metadata.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(again.agent.revision).toBeGreaterThan(first.agent.revision);
    expect(await ask('agent.get', { agentId: 'lst-1' })).toMatchObject({ metadata: { createdAt: '2026-01-01T00:00:00.000Z' } });
    await register(agent('lst-2', { metadata: { region: 'eu-west-1', tags: ['gpu'] } }, 'rendering', '2.1'));
    await register(agent('lst-3', {}, 'rendering', '1.4'));
    expect(await ask('agent.get', { agentId: 'lst-1' })).toMatchObject({ id: 'lst-1', name: 'Renamed', state: 'available' });
    const rendering = await ask<{ agents: { id: string }[] }>('agent.list', { capability: 'rendering' });
    expect(rendering.agents.map((a) => a.id)).toEqual(['lst-2', 'lst-3']);
    const v2 = await ask<{ agents: { id: string }[] }>('agent.list', { capability: 'rendering', version: '2.0' });
    expect(v2.agents.map((a) => a.id)).toEqual(['lst-2']);
    expect((await ask<{ agents: { id: string }[] }>('agent.list', { region: 'eu-west-1' })).agents.map((a) => a.id)).toEqual(['lst-2']);
    expect((await ask<{ agents: { id: string }[] }>('agent.list', { tag: 'gpu' })).agents.map((a) => a.id)).toEqual(['lst-2']);
    const page1 = await ask<{ agents: { id: string }[]; nextCursor: string | null }>('agent.list', { limit: 2 });
    const page2 = await ask<{ agents: { id: string }[]; nextCursor: string | null }>('agent.list', { limit: 2, cursor: page1.nextCursor });
    expect([...page1.agents, ...page2.agents].map((a) => a.id)).toEqual(expect.arrayContaining(['lst-1', 'lst-2', 'lst-3']));
    // The agent reports its state; its load is the registry's count of its assignments, whatever it reports.
    const beat = await ask<{ state: string; currentLoad: number }>('agent.heartbeat', { agentId: 'lst-3', currentLoad: 4, state: 'busy' });
    expect(beat).toMatchObject({ state: 'busy', currentLoad: 0 });
    expect(await deregister('lst-3')).toEqual({ agentId: 'lst-3', removed: true });
    expect(((await ask('agent.get', { agentId: 'lst-3' })) as ErrorEnvelope).error.code).toBe('NOT_FOUND');
    for (const id of ['lst-1', 'lst-2']) await deregister(id);
  });

  it('names every bad field of an agent record', async () => {
    const bad = agent('bad agent', { trustScore: 3, state: 'asleep', capabilities: [{ id: 'x', version: 'one', cost: { baseUnits: -1, scalingFactor: 1 } }] });
    const reply = (await register(bad)) as ErrorEnvelope;
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details.map((d) => d.field)).toEqual(expect.arrayContaining(['id', 'trustScore', 'state', 'capabilities[0].version', 'capabilities[0].cost.baseUnits']));
  });

  it('hands a task to the best bidder: a decliner and a silent agent fall through, the award is confirmed and delivered durably', async () => {
    for (const id of ['bid-decline', 'bid-silent', 'bid-yes']) await register(agent(id, {}, 'bidding-cap'));
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const subs = [
      nc.subscribe(subjects.agent('bid-decline', 'bid'), { callback: (_e, m) => m.respond(enc({ decline: true, reason: 'busy elsewhere' })) }),
      nc.subscribe(subjects.agent('bid-silent', 'bid'), { callback: () => undefined }),
      nc.subscribe(subjects.agent('bid-yes', 'bid'), { callback: (_e, m) => m.respond(enc({ bid: true, price: 12, confidence: 0.9 })) }),
      nc.subscribe(subjects.agent('bid-yes', 'award'), { callback: (_e, m) => m.respond(enc({ accepted: true })) }),
    ];
    const negotiation = await ask<Negotiation>('handoff.initiate', task('bid-task', 'bidding-cap'));
    for (const s of subs) s.unsubscribe();
    expect(negotiation).toMatchObject({ taskId: 'bid-task', selectedAgent: 'bid-yes', status: 'assigned', rounds: 1 });
    const bids = Object.fromEntries(negotiation.candidates.map((c) => [c.agentId, c.bid]));
    expect(bids).toEqual({ 'bid-decline': 'declined', 'bid-silent': 'silent', 'bid-yes': 'bid' });
    for (const c of negotiation.candidates) expect(Object.keys(c.breakdown).sort()).toEqual(['capability', 'cost', 'deadline', 'load', 'sla', 'trust']);
    expect(await ask('agent.get', { agentId: 'bid-yes' })).toMatchObject({ currentLoad: 1 });

    // The assignment waits in the tasks stream on the agent's own subject.
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-spec', subjects, credsFile: testCredsFile() });
    const assigned = await nats.jsm.streams.getMessage(subjects.streams.tasks, { last_by_subj: `${prefix}.tasks.assigned.bid-yes` });
    expect(JSON.parse(new TextDecoder().decode(assigned.data))).toMatchObject({ taskId: 'bid-task', agentId: 'bid-yes' });
    const events = await readStoredMessages(nats, subjects.streams.events, subjects.event('handoffCompleted'));
    await nats.drain();
    expect(events.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<Negotiation>).data.taskId)).toContain('bid-task');

    // Asking again for the same task returns the existing assignment.
    expect(await ask<Negotiation>('handoff.initiate', task('bid-task', 'bidding-cap'))).toMatchObject({ selectedAgent: 'bid-yes', status: 'already_assigned' });
    const done = await ask<{ status: string; currentLoad: number }>('task.complete', { taskId: 'bid-task', agentId: 'bid-yes' });
    expect(done).toMatchObject({ status: 'completed', currentLoad: 0 });
  });

  it('waits for a slow bidder within the bid window and counts one slower than the window as silent', async () => {
    for (const id of ['slow-yes', 'quick-meh', 'too-slow']) await register(agent(id, {}, 'slow-cap'));
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    // No timers standing in for "slow": slow-yes answers only after quick-meh did, and too-slow is answered
    // only once the negotiation is over, so the outcome does not depend on how loaded the machine is.
    let quickAnswered!: () => void;
    const quick = new Promise<void>((r) => (quickAnswered = r));
    const held: { respond: (d: Uint8Array) => boolean }[] = [];
    const subs = [
      nc.subscribe(subjects.agent('slow-yes', 'bid'), { callback: (_e, m) => void quick.then(() => m.respond(enc({ bid: true, confidence: 1 }))) }),
      nc.subscribe(subjects.agent('quick-meh', 'bid'), {
        callback: (_e, m) => {
          m.respond(enc({ bid: true, confidence: 0.2 }));
          quickAnswered();
        },
      }),
      nc.subscribe(subjects.agent('too-slow', 'bid'), { callback: (_e, m) => held.push(m) }),
      nc.subscribe(subjects.agent('slow-yes', 'award'), { callback: (_e, m) => m.respond(enc({ accepted: true })) }),
    ];
    const negotiation = await ask<Negotiation>('handoff.initiate', task('slow-task', 'slow-cap'));
    expect(held).toHaveLength(1);
    for (const m of held) m.respond(enc({ bid: true, confidence: 1 }));
    for (const s of subs) s.unsubscribe();
    expect(negotiation.selectedAgent).toBe('slow-yes');
    expect(Object.fromEntries(negotiation.candidates.map((c) => [c.agentId, c.bid]))).toEqual({ 'slow-yes': 'bid', 'quick-meh': 'bid', 'too-slow': 'silent' });
  });

  it('retries a submitted task nobody can take yet, places it once an agent can, and fails one whose deadline passes', async () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const outcomes: { type: string; taskId: string; reason?: string; selectedAgent?: string }[] = [];
    const subs = ['handoffCompleted', 'handoffFailed'].map((type) =>
      nc.subscribe(subjects.event(type), { callback: (_e, m) => outcomes.push({ type, ...(JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<{ taskId: string }>).data }) }),
    );
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-retry', subjects, credsFile: testCredsFile() });
    await nats.js.publish(subjects.tasksSubmit, enc(task('late-task', 'late-cap')), { msgID: 'late-task' });
    await nats.js.publish(subjects.tasksSubmit, enc(task('doomed-task', 'never-cap', { deadline: new Date(Date.now() + 1500).toISOString() })), { msgID: 'doomed-task' });
    await nats.js.publish(subjects.tasksSubmit, enc({ id: 'broken-task', requiredCapabilities: [], priority: 'urgent' }), { msgID: 'broken-task' });
    // Tried and handed back at least once before any agent offers late-cap.
    const tried = async () => (await nats.jsm.consumers.info(subjects.streams.tasks, 'registry-handoff')).num_redelivered;
    await waitFor(async () => (await tried()) >= 1);
    expect(await tried()).toBeGreaterThanOrEqual(1);
    expect(outcomes.filter((o) => o.taskId === 'late-task')).toEqual([]);
    await register(agent('late-agent', {}, 'late-cap'));
    await waitFor(() => outcomes.some((o) => o.taskId === 'late-task') && outcomes.some((o) => o.taskId === 'doomed-task'), 20_000);
    expect(outcomes.filter((o) => o.taskId === 'late-task')).toEqual([expect.objectContaining({ type: 'handoffCompleted', selectedAgent: 'late-agent' })]);
    expect(outcomes.find((o) => o.taskId === 'doomed-task')).toMatchObject({ type: 'handoffFailed', reason: 'NOT_FOUND' });
    await waitFor(() => outcomes.some((o) => o.type === 'handoffFailed' && o.reason === 'VALIDATION_FAILED'));
    for (const sub of subs) sub.unsubscribe();
    await nats.drain();
  });

  it('names a missing capability, and says when every capable agent is full', async () => {
    const missing = (await ask('handoff.initiate', task('nobody', 'quantum-annealing'))) as ErrorEnvelope;
    expect(missing.error.code).toBe('NOT_FOUND');
    expect(missing.error.message).toContain('quantum-annealing');
    // Registration never sets the load (the registry counts it): an agent that takes nothing has maxLoad 0.
    await register(agent('full-1', { currentLoad: 2, maxLoad: 0 }, 'scarce'));
    const full = (await ask('handoff.initiate', task('too-much', 'scarce'))) as ErrorEnvelope;
    expect(full.error).toMatchObject({ code: 'AGENT_CAPACITY_EXCEEDED', message: 'Agent capacity exceeded' });
  });

  it('refuses registration past maxAgents with AGENT_CAPACITY_EXCEEDED', async () => {
    const { agents } = await ask<{ agents: unknown[] }>('agent.list', { limit: 1000 });
    for (let i = agents.length; i < 40; i++) await ask('agent.register', agent(`cap-${i}`, {}, 'filler'));
    const refused = (await ask('agent.register', agent('one-too-many', {}, 'filler'))) as ErrorEnvelope;
    expect(refused.error).toMatchObject({ code: 'AGENT_CAPACITY_EXCEEDED', message: 'Agent capacity exceeded' });
    for (let i = agents.length; i < 40; i++) await deregister(`cap-${i}`);
  });

  it('registers agents in batches, checking the whole batch before storing any of it', async () => {
    type Batch = { registered: number; created: number; agents: { agentId: string; created: boolean; revision: number }[] };
    const batch = { agents: [agent('bat-1', {}, 'batch-cap'), agent('bat-2', {}, 'batch-cap')] };
    const first = await ask<Batch>('agent.register.batch', batch);
    expect(first).toMatchObject({ registered: 2, created: 2, agents: [{ agentId: 'bat-1', created: true }, { agentId: 'bat-2', created: true }] });
    const again = await ask<Batch>('agent.register.batch', batch);
    expect(again).toMatchObject({ registered: 2, created: 0 });
    expect(again.agents[0].revision).toBeGreaterThan(first.agents[0].revision);

    const invalid = (await ask('agent.register.batch', { agents: [agent('bat-3', {}, 'batch-cap'), { ...agent('bat-4'), maxLoad: -1, state: 'sleepy' }] })) as ErrorEnvelope;
    expect(invalid.error.code).toBe('VALIDATION_FAILED');
    expect(invalid.error.details.map((d) => d.field)).toEqual(expect.arrayContaining(['agents[1].maxLoad', 'agents[1].state']));
    const repeated = (await ask('agent.register.batch', { agents: [agent('bat-5'), agent('bat-6'), agent('bat-5')] })) as ErrorEnvelope;
    expect(repeated.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'agents[2].id', message: 'repeats agents[0].id' }] });
    const tooMany = (await ask('agent.register.batch', { agents: Array.from({ length: 41 }, (_, i) => agent(`bat-x${i}`)) })) as ErrorEnvelope;
    expect(tooMany.error).toMatchObject({ code: 'AGENT_CAPACITY_EXCEEDED', message: 'Agent capacity exceeded' });
    const empty = (await ask('agent.register.batch', { agents: [] })) as ErrorEnvelope;
    expect(empty.error.details[0]).toMatchObject({ field: 'agents' });
    // Nothing of a refused batch was stored.
    for (const id of ['bat-3', 'bat-5', 'bat-6', 'bat-x0', 'bat-x40']) expect(((await ask('agent.get', { agentId: id })) as ErrorEnvelope).error.code).toBe('NOT_FOUND');
    for (const id of ['bat-1', 'bat-2']) await deregister(id);
  });

  it('every registry instance sees agents registered, changed and removed through another', async () => {
    const second = await startService(registryService, { ...env, INSTANCE_ID: `registry-d-${randomBytes(2).toString('hex')}` });
    const instances = [running[running.length - 1], second];
    const directories = instances.map((i) => i.app.get(AgentDirectory));
    await register(agent('dir-1', {}, 'dir-cap'));
    await waitFor(() => directories.every((d) => d.get('dir-1')?.state === 'available'));
    await ask('agent.heartbeat', { agentId: 'dir-1', state: 'busy' });
    await waitFor(() => directories.every((d) => d.get('dir-1')?.state === 'busy'));
    await deregister('dir-1');
    await waitFor(() => directories.every((d) => d.get('dir-1') === undefined));
    // A change no instance announced (written to the store behind their backs) is picked up by the next resync.
    const { agent: stored } = await instances[0].app.get<string, RegistryStore>(REGISTRY_STORE).upsertAgent({ ...agent('dir-2', {}, 'dir-cap'), lastHeartbeat: new Date().toISOString() });
    expect(directories[1].get('dir-2')).toBeUndefined();
    await directories[1].reload();
    expect(directories[1].get('dir-2')).toMatchObject({ id: 'dir-2', revision: stored.revision });
    await deregister('dir-2');
    await second.close();
  });

  it('two registry instances racing on one task assign it to exactly one agent', async () => {
    const second = await startService(registryService, { ...env, INSTANCE_ID: `registry-b-${randomBytes(2).toString('hex')}` });
    for (const id of ['race-a', 'race-b', 'race-c']) await register(agent(id, {}, 'racing'));
    // Straight into each instance's handoff service (the queue group might send every request to one of them).
    const request = validateDto(HandoffRequestDto, task('race-task', 'racing'));
    const direct = (instance: RunningService) => instance.app.get(HandoffService).negotiate(request).then((r) => ({ r, instance: instance.instance }));
    const instances = [running[running.length - 1], second];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => direct(instances[i % 2])));
    expect(new Set(results.map(({ instance }) => instance)).size).toBe(2);
    const winners = new Set(results.map(({ r }) => r.selectedAgent));
    expect(winners.size).toBe(1);
    expect(results.filter(({ r }) => r.status === 'assigned')).toHaveLength(1);
    const loads = await Promise.all(['race-a', 'race-b', 'race-c'].map((id) => ask<{ currentLoad: number }>('agent.get', { agentId: id })));
    expect(loads.map((a) => a.currentLoad).reduce((x, y) => x + y, 0)).toBe(1);
    await second.close();
  });

  it('marks an agent whose heartbeats stopped as failed and hands its tasks to another, never to two', async () => {
    await ask('agent.register', agent('fo-dying', { trustScore: 1 }, 'failover-cap'));
    const first = await ask<Negotiation>('handoff.initiate', task('fo-task', 'failover-cap'));
    expect(first.selectedAgent).toBe('fo-dying');
    await register(agent('fo-healthy', { trustScore: 0.5 }, 'failover-cap'));
    // fo-healthy keeps beating (registered through `register`); fo-dying never beats.
    const failed = await new Promise<EventEnvelope<{ agentId: string; inFlight: string[] }>>((resolve) => {
      const sub = nc.subscribe(subjects.event('agentFailed'), {
        callback: (_e, m) => {
          const ev = JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<{ agentId: string; inFlight: string[] }>;
          if (ev.data.agentId === 'fo-dying') {
            sub.unsubscribe();
            resolve(ev);
          }
        },
      });
    });
    expect(failed.data.inFlight).toEqual(['fo-task']);
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-fo', subjects, credsFile: testCredsFile() });
    let reassigned: EventEnvelope<Negotiation> | undefined;
    await waitFor(async () => {
      const events = await readStoredMessages(nats, subjects.streams.events, subjects.event('handoffCompleted'));
      reassigned = events.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<Negotiation>).find((e) => e.data.taskId === 'fo-task' && e.data.status === 'reassigned');
      return reassigned !== undefined;
    }, 60_000, 200);
    await nats.drain();
    expect(reassigned!.data.selectedAgent).toBe('fo-healthy');
    expect(await ask('agent.get', { agentId: 'fo-dying' })).toMatchObject({ state: 'failed' });
    expect(await ask('agent.get', { agentId: 'fo-healthy' })).toMatchObject({ currentLoad: 1 });
  });

  it('handles a burst of submitted tasks through OSSA_TASKS: nothing lost, nothing assigned twice', async () => {
    const workers = Array.from({ length: 10 }, (_, i) => `burst-${i}`);
    for (const id of workers) await register(agent(id, { maxLoad: 1000 }, 'burst-cap'));
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-burst', subjects, credsFile: testCredsFile() });
    const count = Number(process.env.OSSA_TEST_BURST ?? 1000);
    const published = await Promise.all(
      Array.from({ length: count }, (_, i) => nats.js.publish(subjects.tasksSubmit, new TextEncoder().encode(JSON.stringify(task(`burst-task-${i}`, 'burst-cap'))), { msgID: `burst-task-${i}` })),
    );
    expect(published.every((p) => !p.duplicate)).toBe(true);
    // Fails when placement stalls, not when a loaded machine is slow: no new assignment for 30 s is a stall.
    let placed = 0;
    let progressAt = Date.now();
    while (placed < count) {
      const now = (await assignedSoFar(nats, 'burst-task-')).size;
      if (now > placed) [placed, progressAt] = [now, Date.now()];
      else if (Date.now() - progressAt > 30_000) throw new Error(`burst stalled: ${placed} of ${count} tasks placed, none for 30 s`);
      else await new Promise((r) => setTimeout(r, 1000));
    }
    const loads = await Promise.all(workers.map((id) => ask<{ currentLoad: number }>('agent.get', { agentId: id })));
    expect(loads.map((a) => a.currentLoad).reduce((x, y) => x + y, 0)).toBe(count);
    await nats.drain();
  }, 600_000);

  it('keeps tasks submitted while no registry runs, and a restarted registry places each exactly once', async () => {
    const workers = ['rs-1', 'rs-2', 'rs-3'];
    for (const id of workers) await register(agent(id, { maxLoad: 1000 }, 'restart-cap'));
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-restart', subjects, credsFile: testCredsFile() });
    const publish = (i: number) => nats.js.publish(subjects.tasksSubmit, new TextEncoder().encode(JSON.stringify(task(`rs-task-${i}`, 'restart-cap'))), { msgID: `rs-task-${i}` });
    // First half while the registry runs; it is stopped while those are being placed; the rest while it is down.
    for (let i = 0; i < 40; i++) await publish(i);
    const first = running.pop()!;
    await first.close();
    for (let i = 40; i < 80; i++) await publish(i);
    running.push(await startService(registryService, env));
    await waitFor(async () => (await assignedSoFar(nats, 'rs-task-')).size >= 80, 110_000, 250);
    const loads = await Promise.all(workers.map((id) => ask<{ currentLoad: number }>('agent.get', { agentId: id })));
    expect(loads.map((a) => a.currentLoad).reduce((x, y) => x + y, 0)).toBe(80);
    await nats.drain();
  });

  it('finishes an assignment a crashed registry claimed in the ledger but never recorded', async () => {
    await register(agent('crash-a', { trustScore: 0.5 }, 'crash-cap'));
    await register(agent('crash-b', { trustScore: 1 }, 'crash-cap'));
    // What a registry killed between its ledger claim and its handoff record leaves behind: a claim a minute old.
    const stale = encodeHandoffState({ state: 'claimed', epoch: 1, agentId: 'crash-a', negotiationId: randomUUID(), at: Date.now() - 60_000 });
    const claim = await requestJson<{ result: { applied: boolean } }>(nc, subjects.request('consensus', 'propose'), { op: 'cas', key: handoffLedgerKey('crash-task'), value: stale });
    expect(claim.result.applied).toBe(true);
    const reply = await ask<Negotiation>('handoff.initiate', task('crash-task', 'crash-cap'));
    // crash-b scores higher, but the ledger already names crash-a: the task stays there and is finished.
    expect(reply).toMatchObject({ selectedAgent: 'crash-a', status: 'already_assigned' });
    expect(await ask('agent.get', { agentId: 'crash-a' })).toMatchObject({ currentLoad: 1 });
    expect(await ask('agent.get', { agentId: 'crash-b' })).toMatchObject({ currentLoad: 0 });
    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'registry-crash', subjects, credsFile: testCredsFile() });
    const delivered = await nats.jsm.streams.getMessage(subjects.streams.tasks, { last_by_subj: `${prefix}.tasks.assigned.crash-a` });
    await nats.drain();
    expect(JSON.parse(new TextDecoder().decode(delivered.data))).toMatchObject({ taskId: 'crash-task', agentId: 'crash-a' });
    expect(await ask('task.complete', { taskId: 'crash-task', agentId: 'crash-a' })).toMatchObject({ status: 'completed', currentLoad: 0 });
  });

  it('refuses a malformed handoff request naming the fields', async () => {
    const reply = (await ask('handoff.initiate', { id: 'x', priority: 'urgent', requiredCapabilities: [] })) as ErrorEnvelope;
    expect(isErrorEnvelope(reply)).toBe(true);
    expect(reply.error.details.map((d) => d.field)).toEqual(expect.arrayContaining(['priority', 'requiredCapabilities']));
  });
});
