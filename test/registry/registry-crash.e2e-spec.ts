// A registry process killed with SIGKILL in the middle of a negotiation: once during bidding (before any
// claim), once at the award (after its ledger claim and handoff record, before delivery). A new registry
// process takes the unacknowledged submission over; each task ends with exactly one assignee, one durable
// assignment message and one handoffCompleted event.
import mongoose from 'mongoose';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { subjectsFor, type EventEnvelope } from '@ossa/contracts';
import { NatsConnectionService } from '@ossa/messaging';
import { databaseName } from '@ossa/persistence';
import type { RunningService } from '@ossa/runtime';
import { deleteStreams, mongoUrlOrWarn, requestJson, serviceEnv, spawnService, startLedger, testConnection, uniquePrefix, waitFor, type ChildService } from '@ossa/testing';

jest.setTimeout(120_000);

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

function agent(id: string, capability: string) {
  return {
    id,
    name: `Worker ${id}`,
    type: 'executor',
    capabilities: [{ id: capability, name: capability, version: '1.0', cost: { baseUnits: 10, scalingFactor: 1.5, currency: 'tokens' }, sla }],
    state: 'available',
    currentLoad: 0,
    maxLoad: 10,
    sla,
    trustScore: 0.9,
  };
}

function task(id: string, capability: string) {
  return {
    id,
    requiredCapabilities: [{ capabilityId: capability, version: '1.0', weight: 1 }],
    priority: 'high',
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    budget: { maxTokens: 1000, maxCost: 100, currency: 'tokens' },
    metadata: { estimatedDuration: 60, complexity: 'simple' },
  };
}

interface Completed {
  taskId: string;
  selectedAgent: string;
}

const mongoUrl = mongoUrlOrWarn('registry killed mid-negotiation');
const describeMongo = mongoUrl ? describe : describe.skip;

describeMongo('a registry process killed mid-negotiation', () => {
  const prefix = uniquePrefix('regkill');
  const subjects = subjectsFor(prefix);
  const env = serviceEnv(prefix, {
    MONGO_URL: mongoUrl!,
    LOG_LEVEL: 'info',
    REGISTRY_HTTP_PORT: '0',
    HTTP_PORT: '0',
    BID_WINDOW_MS: '3000',
    AWARD_TIMEOUT_MS: '3000',
    HEARTBEAT_TIMEOUT_MS: '600000',
    TASK_ACK_WAIT_MS: '2000',
  });
  let nc: NatsConnection;
  let nats: NatsConnectionService;
  let ledger: RunningService[] = [];
  let registry: ChildService;
  const subscriptions: Subscription[] = [];
  const completed: Completed[] = [];

  const startRegistry = async () => {
    registry = spawnService('services/registry/src/main.js', env);
    await registry.waitForLog((l) => l.msg === 'started', 60_000);
  };
  const ask = <T>(action: string, body: unknown) => requestJson<T>(nc, subjects.request('registry', action), body, { timeoutMs: 10_000 });
  const completedFor = async (taskId: string): Promise<Completed> => {
    await waitFor(() => completed.some((c) => c.taskId === taskId), 60_000);
    return completed.find((c) => c.taskId === taskId)!;
  };
  /** Answers requests on an agent subject; `onFirst` runs (and nothing is answered) for the first one only. */
  const listen = (agentId: string, action: 'bid' | 'award', answer: unknown, onFirst: (msg: Msg) => void) => {
    let first = true;
    subscriptions.push(
      nc.subscribe(subjects.agent(agentId, action), {
        callback: (_err, msg) => {
          if (first) {
            first = false;
            onFirst(msg);
            return;
          }
          msg.respond(encoder.encode(JSON.stringify(answer)));
        },
      }),
    );
  };
  // OSSA_TASKS is a work-queue stream: count its messages per subject instead of consuming them.
  const assignmentCounts = async (): Promise<Record<string, number>> =>
    (await nats.jsm.streams.info(subjects.streams.tasks, { subjects_filter: `${prefix}.tasks.assigned.>` })).state.subjects ?? {};
  const lastAssignment = async (agentId: string) =>
    JSON.parse(decoder.decode((await nats.jsm.streams.getMessage(subjects.streams.tasks, { last_by_subj: `${prefix}.tasks.assigned.${agentId}` })).data)) as { taskId: string; agentId: string; negotiationId: string };
  const submit = (t: { id: string }) => nats.js.publish(subjects.tasksSubmit, encoder.encode(JSON.stringify(t)), { msgID: `submit:${t.id}` });
  const killRegistry = async () => {
    registry.kill('SIGKILL');
    expect(await registry.exited).toBeNull(); // killed by a signal, not exited
  };

  beforeAll(async () => {
    nc = await testConnection();
    nats = await NatsConnectionService.connect({ url: env.NATS_URL, name: 'registry-kill-test', subjects });
    ledger = await startLedger(serviceEnv(prefix));
    subscriptions.push(
      nc.subscribe(subjects.event('handoffCompleted'), {
        callback: (_err, msg) => completed.push((JSON.parse(decoder.decode(msg.data)) as EventEnvelope<Completed>).data),
      }),
    );
    await startRegistry();
  });

  afterAll(async () => {
    registry?.kill('SIGKILL');
    await registry?.exited;
    for (const s of subscriptions) s.unsubscribe();
    await Promise.allSettled(ledger.map((s) => s.close()));
    const db = await mongoose.createConnection(mongoUrl!, { dbName: databaseName(prefix, 'registry') }).asPromise();
    await db.dropDatabase();
    await db.close();
    await deleteStreams(nc, subjects);
    await nats.drain();
    await nc.drain();
  });

  it('killed while agents bid: the next registry process negotiates the task again and assigns it once', async () => {
    await ask('agent.register', agent('kb-agent', 'kill-bid-cap'));
    const invited = new Promise<string>((resolve) =>
      listen('kb-agent', 'bid', { bid: true, confidence: 1 }, (msg) => resolve((JSON.parse(decoder.decode(msg.data)) as { negotiationId: string }).negotiationId)),
    );
    subscriptions.push(nc.subscribe(subjects.agent('kb-agent', 'award'), { callback: (_e, msg) => msg.respond(encoder.encode(JSON.stringify({ accepted: true }))) }));
    await submit(task('kb-task', 'kill-bid-cap'));
    const firstNegotiation = await invited;
    await killRegistry();
    // Nothing was claimed before the kill.
    expect((await requestJson<{ value: string | null }>(nc, subjects.request('consensus', 'read'), { key: 'handoff/task/kb-task/assignee' })).value).toBeNull();

    await startRegistry();
    const done = await completedFor('kb-task');
    expect(done.selectedAgent).toBe('kb-agent');
    expect(await assignmentCounts()).toEqual({ [`${prefix}.tasks.assigned.kb-agent`]: 1 });
    const assignment = await lastAssignment('kb-agent');
    expect(assignment).toMatchObject({ taskId: 'kb-task', agentId: 'kb-agent' });
    expect(assignment.negotiationId).not.toBe(firstNegotiation);
    expect((await requestJson<{ value: string | null }>(nc, subjects.request('consensus', 'read'), { key: 'handoff/task/kb-task/assignee' })).value).toBe('kb-agent');
    expect(await ask('agent.get', { agentId: 'kb-agent' })).toMatchObject({ currentLoad: 1 });
  });

  it('killed at the award, after its claim: the next registry process finishes that assignment, not another', async () => {
    // Two capable agents: the one awarded first must keep the task even though the other bids too.
    await ask('agent.register', agent('ka-first', 'kill-award-cap'));
    await ask('agent.register', { ...agent('ka-second', 'kill-award-cap'), trustScore: 0.1 });
    for (const id of ['ka-first', 'ka-second']) {
      subscriptions.push(nc.subscribe(subjects.agent(id, 'bid'), { callback: (_e, msg) => msg.respond(encoder.encode(JSON.stringify({ bid: true, confidence: 1 }))) }));
    }
    const awarded = new Promise<string>((resolve) =>
      listen('ka-first', 'award', { accepted: true }, (msg) => resolve((JSON.parse(decoder.decode(msg.data)) as { agentId: string }).agentId)),
    );
    subscriptions.push(nc.subscribe(subjects.agent('ka-second', 'award'), { callback: (_e, msg) => msg.respond(encoder.encode(JSON.stringify({ accepted: true }))) }));
    await submit(task('ka-task', 'kill-award-cap'));
    expect(await awarded).toBe('ka-first');
    await killRegistry();
    // The claim was committed before the award; nothing was delivered yet.
    expect((await requestJson<{ value: string | null }>(nc, subjects.request('consensus', 'read'), { key: 'handoff/task/ka-task/assignee' })).value).toBe('ka-first');
    const before = await assignmentCounts();
    expect(before[`${prefix}.tasks.assigned.ka-first`]).toBeUndefined();
    expect(before[`${prefix}.tasks.assigned.ka-second`]).toBeUndefined();

    await startRegistry();
    const done = await completedFor('ka-task');
    expect(done.selectedAgent).toBe('ka-first');
    const after = await assignmentCounts();
    expect(after[`${prefix}.tasks.assigned.ka-first`]).toBe(1);
    expect(after[`${prefix}.tasks.assigned.ka-second`]).toBeUndefined();
    expect(await lastAssignment('ka-first')).toMatchObject({ taskId: 'ka-task', agentId: 'ka-first' });
    expect(completed.filter((c) => c.taskId === 'ka-task')).toHaveLength(1);
    expect(await ask('agent.get', { agentId: 'ka-first' })).toMatchObject({ currentLoad: 1 });
    expect(await ask('agent.get', { agentId: 'ka-second' })).toMatchObject({ currentLoad: 0 });
  });
});
