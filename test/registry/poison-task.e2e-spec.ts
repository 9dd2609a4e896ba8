// A poison message on each of the registry's durable subjects (`<prefix>.tasks.submit` and the caller-scoped
// `<prefix>.as.client.<id>.tasks.submit`, stream <PREFIX>_TASKS): a task of
// about 1 MB that can never be valid is dead-lettered once, within max_payload, acked, and the registry goes on
// placing the tasks behind it. Before, dead-lettering copied the whole body plus headers past max_payload, the
// rejection went unhandled and every restart died on the same message.
import type { Msg } from 'nats';
import { MAX_ERROR_DETAILS, type EventEnvelope } from '@ossa/contracts';
import { NatsConnectionService, readStoredMessages } from '@ossa/messaging';
import { natsUrl, requestJson, testCredsFile, useServices, waitFor } from '@ossa/testing';
import { registryService } from '../../services/registry/src/definition';

jest.setTimeout(60_000);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function collect<T>(count: number) {
  const items: T[] = [];
  let resolve!: (items: T[]) => void;
  const done = new Promise<T[]>((r) => (resolve = r));
  return { items, done, push: (item: T) => (items.push(item), items.length === count && resolve(items)) };
}

describe('a poison task on the registry durable subject', () => {
  const suite = useServices('poison', [registryService], { ledger: true, env: { BID_WINDOW_MS: '100' } });
  let nats: NatsConnectionService;

  beforeAll(async () => {
    nats = await NatsConnectionService.connect({
      url: natsUrl(),
      name: 'poison-spec',
      subjects: suite.subjects,
      credsFile: testCredsFile(),
    });
  });

  afterAll(async () => {
    await nats.drain();
  });

  const registerWorker = () =>
    requestJson(suite.nc, suite.subjects.request('registry', 'agent.register'), {
      id: 'poison-worker',
      name: 'Worker',
      type: 'executor',
      state: 'available',
      currentLoad: 0,
      maxLoad: 5,
      trustScore: 0.9,
      lastHeartbeat: new Date().toISOString(),
      capabilities: [{ id: 'poison-cap', name: 'poison-cap', version: '1.0' }],
    });

  it('is dead-lettered once within max_payload and acked, and the registry keeps placing tasks', async () => {
    const { nc, subjects } = suite;
    const maxPayload = nc.info!.max_payload;
    const dead = collect<EventEnvelope<Record<string, unknown>>>(2);
    const failed = collect<EventEnvelope<{ taskId: string | null; reason: string; details: unknown[] }>>(2);
    const placed = collect<EventEnvelope<{ taskId: string; selectedAgent: string }>>(1);
    const json = (m: Msg) => JSON.parse(decoder.decode(m.data)) as never;
    const subs = [
      nc.subscribe(subjects.event('messageDeadLettered'), { callback: (_e, m) => dead.push(json(m)) }),
      nc.subscribe(subjects.event('handoffFailed'), { callback: (_e, m) => failed.push(json(m)) }),
      nc.subscribe(subjects.event('handoffCompleted'), { callback: (_e, m) => placed.push(json(m)) }),
      nc.subscribe(subjects.agent('poison-worker', 'award'), {
        callback: (_e, m) => m.respond(encoder.encode('{"accepted":true}')),
      }),
    ];
    await nc.flush();

    // Inside max_payload (with room for the publish's own headers), invalid in every way a task can be.
    const invalid = encoder.encode(
      JSON.stringify({
        id: 'poison',
        priority: 'urgent',
        requiredCapabilities: [],
        pad: 'x'.repeat(maxPayload - 400),
      }),
    );
    const notJson = new Uint8Array(maxPayload - 300).fill(0x7b);
    const first = await nats.js.publish(subjects.tasksSubmit, invalid);
    const second = await nats.js.publish(subjects.tasksSubmit, notJson);
    // A valid task behind them: placed only if the consumer went on.
    await registerWorker();
    await nats.js.publish(
      subjects.tasksSubmit,
      encoder.encode(
        JSON.stringify({
          id: 'after-poison',
          priority: 'high',
          requiredCapabilities: [{ capabilityId: 'poison-cap' }],
        }),
      ),
    );

    const [placement] = await placed.done;
    const letters = await dead.done;
    const failures = await failed.done;
    for (const s of subs) s.unsubscribe();

    expect(placement.data).toMatchObject({ taskId: 'after-poison', selectedAgent: 'poison-worker' });
    expect(letters.map((e) => e.data.sequence).sort()).toEqual([first.seq, second.seq].sort());
    for (const e of letters)
      expect(e.data).toMatchObject({
        consumer: 'registry-handoff',
        reason: 'permanent',
        deliveries: 1,
        body: 'truncated',
      });
    // handoffFailed says why, with few enough details to fit in a message whatever the task held.
    expect(failures.map((f) => f.data.reason)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
    for (const f of failures) expect(f.data.details.length).toBeLessThanOrEqual(MAX_ERROR_DETAILS + 1);

    // One dead letter per poison message, each within max_payload and naming its original.
    const stored = await readStoredMessages(
      nats,
      subjects.streams.deadLetters,
      subjects.deadLetter(subjects.streams.tasks, 'registry-handoff'),
    );
    expect(stored).toHaveLength(2);
    for (const letter of stored) {
      const h = letter.headers!;
      const original = Number(h.get('Ossa-Original-Sequence'));
      expect([first.seq, second.seq]).toContain(original);
      expect(Number(h.get('Ossa-Original-Size'))).toBe(
        original === first.seq ? invalid.byteLength : notJson.byteLength,
      );
      expect(h.get('Ossa-Original-Subject')).toBe(subjects.tasksSubmit);
      expect(h.get('Ossa-Body')).toBe('truncated');
      const headerBytes = [...h].reduce(
        (n, [k, vs]) => n + vs.reduce((m, v) => m + k.length + v.length + 4, 0),
        12,
      );
      expect(headerBytes + letter.data.byteLength).toBeLessThanOrEqual(maxPayload);
    }
    // Acked: the work queue holds neither poison message and nothing waits for a redelivery.
    for (const seq of [first.seq, second.seq])
      await expect(nats.jsm.streams.getMessage(subjects.streams.tasks, { seq })).rejects.toThrow(
        /no message found/i,
      );
    const info = () => nats.jsm.consumers.info(subjects.streams.tasks, 'registry-handoff');
    await waitFor(async () => (await info()).num_ack_pending === 0, 10_000, 50);
    const consumer = await info();
    expect(consumer.num_ack_pending).toBe(0);
    expect(consumer.num_redelivered).toBe(0);
    // And the service answers requests as before.
    expect(await requestJson(nc, subjects.ping('registry'))).toMatchObject({ service: 'registry' });
  });

  it('on the caller-scoped subject too: dead-lettered once by its own consumer, acked, and the tasks behind it placed', async () => {
    const { nc, subjects } = suite;
    const maxPayload = nc.info!.max_payload;
    const dead = collect<EventEnvelope<Record<string, unknown>>>(1);
    const placed = collect<EventEnvelope<{ taskId: string; selectedAgent: string }>>(1);
    const json = (m: Msg) => JSON.parse(decoder.decode(m.data)) as never;
    const subs = [
      nc.subscribe(subjects.event('messageDeadLettered'), { callback: (_e, m) => dead.push(json(m)) }),
      nc.subscribe(subjects.event('handoffCompleted'), {
        callback: (_e, m) => (json(m) as { data: { taskId: string } }).data.taskId === 'after-poison-as' && placed.push(json(m)),
      }),
    ];
    await nc.flush();
    await registerWorker();
    const subject = subjects.tasksSubmitAs('poison-client');
    const poison = await nats.js.publish(
      subject,
      encoder.encode(JSON.stringify({ id: 'poison-as', priority: 7, constructor: { prototype: {} }, pad: 'y'.repeat(maxPayload - 400) })),
    );
    await nats.js.publish(subject, encoder.encode(JSON.stringify({ id: 'after-poison-as', priority: 'high', requiredCapabilities: [{ capabilityId: 'poison-cap' }] })));

    const [placement] = await placed.done;
    const [letter] = await dead.done;
    for (const s of subs) s.unsubscribe();
    expect(placement.data).toMatchObject({ taskId: 'after-poison-as', selectedAgent: 'poison-worker' });
    expect(letter.data).toMatchObject({ consumer: 'registry-handoff-as', sequence: poison.seq, reason: 'permanent', deliveries: 1, body: 'truncated' });
    await expect(nats.jsm.streams.getMessage(subjects.streams.tasks, { seq: poison.seq })).rejects.toThrow(/no message found/i);
    // The valid task's message is acked just after its handoffCompleted event goes out.
    const info = () => nats.jsm.consumers.info(subjects.streams.tasks, 'registry-handoff-as');
    await waitFor(async () => (await info()).num_ack_pending === 0, 10_000, 50);
    const consumer = await info();
    expect(consumer.num_ack_pending).toBe(0);
    expect(consumer.num_redelivered).toBe(0);
  });
});
