import { randomUUID } from 'node:crypto';
import { RetentionPolicy, type NatsConnection } from 'nats';
import { subjectsFor, type EventEnvelope } from '@ossa/contracts';
import {
  contractStreams,
  DurableConsumer,
  ensureStreams,
  EventPublisher,
  NatsConnectionService,
  PermanentMessageError,
  readStoredMessages,
  type ConsumedMessage,
} from '@ossa/messaging';
import { deleteStreams, natsUrl, testConnection, testCredsFile, uniquePrefix, waitFor } from '@ossa/testing';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Resolves once `count` values have been pushed. */
function collector<T>(count: number) {
  const items: T[] = [];
  let resolve!: (items: T[]) => void;
  const done = new Promise<T[]>((r) => (resolve = r));
  return {
    items,
    done,
    push(item: T) {
      items.push(item);
      if (items.length === count) resolve(items);
    },
  };
}

describe('JetStream plumbing', () => {
  const prefix = uniquePrefix('jetstream');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let nats: NatsConnectionService;

  beforeAll(async () => {
    nc = await testConnection();
    nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'jetstream-spec', subjects, credsFile: testCredsFile() });
    await ensureStreams(nats.jsm, contractStreams(subjects));
  });

  afterAll(async () => {
    await deleteStreams(nc, subjects);
    await nats.drain();
    await nc.drain();
  });

  it('adds the subjects a stream made by an older version lacks, keeping what it holds', async () => {
    const old = subjectsFor(`${prefix}-old`);
    await nats.jsm.streams.add({ name: old.streams.tasks, subjects: [old.tasksWildcard], retention: RetentionPolicy.Workqueue });
    try {
      await nats.js.publish(`${old.prefix}.tasks.kept`, encoder.encode('{}'));
      const tasksOnly = contractStreams(old).filter((s) => s.name === old.streams.tasks);
      expect(await ensureStreams(nats.jsm, tasksOnly)).toEqual({ [old.streams.tasks]: 'updated' });
      const info = await nats.jsm.streams.info(old.streams.tasks);
      expect(info.config.subjects).toEqual([old.tasksWildcard, old.tasksSubmitAsWildcard]);
      expect(info.config.retention).toBe(RetentionPolicy.Workqueue);
      expect(info.state.messages).toBe(1);
      expect(await ensureStreams(nats.jsm, tasksOnly)).toEqual({ [old.streams.tasks]: 'existing' });
    } finally {
      await nats.jsm.streams.delete(old.streams.tasks);
    }
  });

  it('stores an event once although it was published twice with the same id', async () => {
    const publisher = new EventPublisher(nats, 'test/spec');
    const id = randomUUID();
    const first = await publisher.publish('agentRegistered', { agentId: 'worker-1' }, { id });
    const retry = await publisher.publish('agentRegistered', { agentId: 'worker-1' }, { id });
    expect(first.duplicate).toBe(false);
    expect(retry.duplicate).toBe(true);
    expect(retry.seq).toBe(first.seq);

    // The stream holds one message on the subject, and reading the subject from the start yields just it.
    const state = await nats.jsm.streams.info(subjects.streams.events, { subjects_filter: subjects.event('agentRegistered') });
    expect(state.state.subjects).toEqual({ [subjects.event('agentRegistered')]: 1 });
    const stored = await readStoredMessages(nats, subjects.streams.events, subjects.event('agentRegistered'));
    expect(stored).toHaveLength(1);
    const message = stored[0];
    const event = JSON.parse(decoder.decode(message.data)) as EventEnvelope<{ agentId: string }>;
    expect(event).toEqual({ id, type: 'agentRegistered', at: expect.any(String), source: 'test/spec', data: { agentId: 'worker-1' } });
    expect(message.headers?.get('Nats-Msg-Id')).toBe(id);
    expect(new Date(event.at).toISOString()).toBe(event.at);
  });

  it('refuses an event type that is not a single subject token', async () => {
    const publisher = new EventPublisher(nats, 'test/spec');
    await expect(publisher.publish('agent.registered', {})).rejects.toThrow(/lowerCamelCase/);
  });

  it('acks after a retried failure, naks with backoff, and dead-letters after max deliveries', async () => {
    const attempts = new Map<string, number>();
    const handled = collector<string>(1);
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'retry-spec',
      filterSubject: `${prefix}.tasks.retry`,
      maxDeliver: 3,
      backoffMs: [50, 100],
      handler: async (m: ConsumedMessage) => {
        const body = m.json<{ id: string; failTimes: number }>();
        attempts.set(body.id, m.deliveryCount);
        if (m.deliveryCount <= body.failTimes) throw new Error(`attempt ${m.deliveryCount} of ${body.id} fails`);
        handled.push(body.id);
      },
    });
    const deadLetters = collector<{ subject: string; deliveries: string; error: string; body: string }>(1);
    const dlqSub = nc.subscribe(consumer.deadLetterSubject, {
      callback: (_err, msg) =>
        deadLetters.push({
          subject: msg.headers!.get('Ossa-Original-Subject'),
          deliveries: msg.headers!.get('Ossa-Deliveries'),
          error: msg.headers!.get('Ossa-Error'),
          body: decoder.decode(msg.data),
        }),
    });
    await consumer.start();
    await nats.js.publish(`${prefix}.tasks.retry`, encoder.encode(JSON.stringify({ id: 'recovers', failTimes: 2 })));
    await nats.js.publish(`${prefix}.tasks.retry`, encoder.encode(JSON.stringify({ id: 'never', failTimes: 99 })));

    expect(await handled.done).toEqual(['recovers']);
    const [dead] = await deadLetters.done;
    await consumer.stop();
    dlqSub.unsubscribe();

    expect(attempts.get('recovers')).toBe(3);
    expect(attempts.get('never')).toBe(3);
    expect(dead).toEqual({ subject: `${prefix}.tasks.retry`, deliveries: '3', error: 'attempt 3 of never fails', body: expect.stringContaining('"never"') });
    // Work-queue retention: acked and terminated messages leave the stream; the dead letter is kept in its own.
    const tasks = await nats.jsm.streams.info(subjects.streams.tasks);
    expect(tasks.state.messages).toBe(0);
    const dlq = await nats.jsm.streams.info(subjects.streams.deadLetters);
    expect(dlq.state.messages).toBe(1);
  });

  it('dead-letters a permanent failure on its first delivery', async () => {
    const seen: number[] = [];
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'permanent-spec',
      filterSubject: `${prefix}.tasks.permanent`,
      maxDeliver: 5,
      handler: async (m) => {
        seen.push(m.deliveryCount);
        throw new PermanentMessageError('cannot ever be handled');
      },
    });
    const dead = collector<string>(1);
    const sub = nc.subscribe(consumer.deadLetterSubject, { callback: (_e, msg) => dead.push(msg.headers!.get('Ossa-Deliveries')) });
    await consumer.start();
    await nats.js.publish(`${prefix}.tasks.permanent`, encoder.encode('{}'));
    expect(await dead.done).toEqual(['1']);
    await consumer.stop();
    sub.unsubscribe();
    expect(seen).toEqual([1]);
  });

  it('keeps a task published while no consumer runs, and hands it over when one starts', async () => {
    await nats.js.publish(`${prefix}.tasks.later`, encoder.encode(JSON.stringify({ id: 'late' })));
    const got = collector<string>(1);
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'later-spec',
      filterSubject: `${prefix}.tasks.later`,
      handler: async (m) => got.push(m.json<{ id: string }>().id),
    });
    await consumer.start();
    expect(await got.done).toEqual(['late']);
    await consumer.stop();
  });

  /** Every stored dead letter of `consumer`, with headers. */
  async function storedDeadLetters(consumer: DurableConsumer) {
    return readStoredMessages(nats, subjects.streams.deadLetters, consumer.deadLetterSubject);
  }

  it('dead-letters a poison message near max_payload once, within max_payload, and goes on with the next', async () => {
    const maxPayload = nc.info!.max_payload;
    const handled = collector<string>(1);
    let poisonCalls = 0;
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'poison-spec',
      filterSubject: `${prefix}.tasks.poison`,
      maxDeliver: 3,
      backoffMs: [50],
      handler: async (m) => {
        if (m.data.byteLength > 1000) {
          poisonCalls++;
          throw new PermanentMessageError('invalid task request: id, priority');
        }
        handled.push(m.text());
      },
    });
    const events = collector<EventEnvelope<Record<string, unknown>>>(1);
    const eventSub = nc.subscribe(subjects.event('messageDeadLettered'), { callback: (_e, msg) => events.push(JSON.parse(decoder.decode(msg.data)) as EventEnvelope<Record<string, unknown>>) });
    await consumer.start();
    // As large as a publish may be: the body alone fills max_payload but for the publish's own header.
    const poison = new Uint8Array(maxPayload - 200).fill(0x7b);
    const { seq } = await nats.js.publish(`${prefix}.tasks.poison`, poison);
    await nats.js.publish(`${prefix}.tasks.poison`, encoder.encode('{"id":"after"}'));

    expect(await handled.done).toEqual(['{"id":"after"}']);
    const [event] = await events.done;
    await consumer.stop();
    eventSub.unsubscribe();

    expect(poisonCalls).toBe(1);
    const letters = await storedDeadLetters(consumer);
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.headers!.get('Ossa-Body')).toBe('truncated');
    expect(letter.headers!.get('Ossa-Original-Size')).toBe(String(poison.byteLength));
    expect(letter.headers!.get('Ossa-Original-Sequence')).toBe(String(seq));
    expect(letter.headers!.get('Ossa-Reason')).toBe('permanent');
    const headerBytes = [...letter.headers!].reduce((n, [k, vs]) => n + vs.reduce((m, v) => m + k.length + v.length + 4, 0), 12);
    expect(headerBytes + letter.data.byteLength).toBeLessThanOrEqual(maxPayload);
    expect(Buffer.compare(Buffer.from(letter.data), Buffer.from(poison.subarray(0, letter.data.byteLength)))).toBe(0);
    expect(event.data).toMatchObject({ consumer: 'poison-spec', sequence: seq, reason: 'permanent', originalSize: poison.byteLength, body: 'truncated' });
    expect((await nats.jsm.consumers.info(subjects.streams.tasks, 'poison-spec')).num_ack_pending).toBe(0);
  });

  it('dead-letters a message whose ack_wait expired on every delivery, from the server advisory, and removes it from the work queue', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const deliveries: number[] = [];
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'timeout-spec',
      filterSubject: `${prefix}.tasks.timeout`,
      maxDeliver: 2,
      ackWaitMs: 300,
      concurrency: 4,
      handler: async (m) => {
        deliveries.push(m.deliveryCount);
        await released;
      },
    });
    const events = collector<EventEnvelope<Record<string, unknown>>>(1);
    const eventSub = nc.subscribe(subjects.event('messageDeadLettered'), {
      callback: (_e, msg) => {
        const event = JSON.parse(decoder.decode(msg.data)) as EventEnvelope<Record<string, unknown>>;
        if (event.data.consumer === 'timeout-spec') events.push(event);
      },
    });
    await consumer.start();
    const { seq } = await nats.js.publish(`${prefix}.tasks.timeout`, encoder.encode('{"id":"stuck"}'));
    try {
      const [event] = await events.done;
      expect(event.data).toMatchObject({ sequence: seq, reason: 'ack-timeouts', deliveries: 2, body: 'full' });
      expect(deliveries).toEqual([1, 2]);
      // The event follows the removal: the work queue no longer holds the message.
      await expect(nats.jsm.streams.getMessage(subjects.streams.tasks, { seq })).rejects.toThrow(/no message found/i);
      const letters = await storedDeadLetters(consumer);
      expect(letters).toHaveLength(1);
      expect(letters[0].headers!.get('Ossa-Reason')).toBe('ack-timeouts');
      expect(decoder.decode(letters[0].data)).toBe('{"id":"stuck"}');
    } finally {
      release();
      await consumer.stop();
      eventSub.unsubscribe();
    }
  });

  it('lets a long handler extend ack_wait with working(), so the message is delivered once', async () => {
    const deliveries: number[] = [];
    const done = collector<number>(1);
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'working-spec',
      filterSubject: `${prefix}.tasks.working`,
      ackWaitMs: 1000,
      concurrency: 2,
      handler: async (m) => {
        deliveries.push(m.deliveryCount);
        // Three ack_waits of work, reporting progress five times per ack_wait.
        for (let i = 0; i < 15; i++) {
          await new Promise((r) => setTimeout(r, 200));
          m.working();
        }
        done.push(m.deliveryCount);
      },
    });
    await consumer.start();
    await nats.js.publish(`${prefix}.tasks.working`, encoder.encode('{}'));
    expect(await done.done).toEqual([1]);
    await consumer.stop();
    expect(deliveries).toEqual([1]);
    const info = await nats.jsm.consumers.info(subjects.streams.tasks, 'working-spec');
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });

  it('keeps going when the dead letter cannot be stored, and stores it once it can', async () => {
    const handled = collector<string>(1);
    const attempts = collector<number>(2);
    const consumer = new DurableConsumer(nats, {
      stream: subjects.streams.tasks,
      durable: 'dlq-down-spec',
      filterSubject: `${prefix}.tasks.dlqdown`,
      maxDeliver: 50,
      backoffMs: [100],
      concurrency: 2,
      handler: async (m) => {
        const body = m.json<{ id: string }>();
        if (body.id === 'ok') return handled.push(body.id);
        attempts.push(m.deliveryCount);
        throw new PermanentMessageError('never valid');
      },
    });
    await nats.jsm.streams.delete(subjects.streams.deadLetters);
    try {
      await consumer.start();
      await nats.js.publish(`${prefix}.tasks.dlqdown`, encoder.encode('{"id":"bad"}'));
      // Two failed dead-letterings: the message came back after the first, so it was neither lost nor acked.
      expect(await attempts.done).toEqual([1, 2]);
      await nats.js.publish(`${prefix}.tasks.dlqdown`, encoder.encode('{"id":"ok"}'));
      expect(await handled.done).toEqual(['ok']);
    } finally {
      await ensureStreams(nats.jsm, contractStreams(subjects));
    }
    await waitFor(async () => (await nats.jsm.streams.info(subjects.streams.tasks, { subjects_filter: `${prefix}.tasks.dlqdown` })).state.messages === 0);
    await consumer.stop();
    const letters = await storedDeadLetters(consumer);
    expect(letters).toHaveLength(1);
    expect(Number(letters[0].headers!.get('Ossa-Deliveries'))).toBeGreaterThan(2);
  });
});
