import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
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
import { deleteStreams, natsUrl, testConnection, uniquePrefix } from '@ossa/testing';

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
    nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'jetstream-spec', subjects });
    await ensureStreams(nats.jsm, contractStreams(subjects));
  });

  afterAll(async () => {
    await deleteStreams(nc, subjects);
    await nats.drain();
    await nc.drain();
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
});
