import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { setTimeout as delay } from 'node:timers/promises';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { OssaError, subjectsFor, type ServiceName } from '@ossa/contracts';
import {
  attachOssaTransport,
  MessagingModule,
  NatsClient,
  NatsConnectionService,
  NatsContext,
  NoRespondersError,
  ANY_TOKEN,
  onChannel,
  onStream,
  readStoredMessages,
  RemoteError,
  RequestTimeoutError,
  type HandlerExtras,
  type OssaNatsTransport,
} from '@ossa/messaging';
import { createLogger, MetricsRegistry, ObservabilityModule } from '@ossa/observability';
import { deleteStreams, natsUrl, requestJson, testConnection, uniquePrefix, waitFor, testCredsFile } from '@ossa/testing';

// The transport and its pipeline, on a service of its own with probe controllers, against the real NATS server.

class EchoDto {
  @IsString() text!: string;
  @IsInt() @Min(0) @Max(10_000) holdMs!: number;
}

class TaskDto {
  @IsString() id!: string;
  @IsString() mode!: 'ok' | 'fail-once';
}

const seen: { instance: string; subject: string }[] = [];
const consumed: { id: string; delivery: number }[] = [];
const raw: { instance: string; bytes: number }[] = [];

function probeController(instance: string) {
  @Controller()
  class ProbeController {
    /** Rides on the contract's decision.make channel: a request/reply subject in the service's queue group. */
    @MessagePattern(onChannel('decisionMake'))
    async echo(@Payload() body: EchoDto, @Ctx() context: NatsContext) {
      seen.push({ instance, subject: context.getSubject() });
      if (body.holdMs) await delay(body.holdMs);
      if (body.text === 'missing') throw new OssaError('NOT_FOUND', 'nothing called missing', [{ field: 'text', message: 'not here' }]);
      if (body.text === 'crash') throw new Error('secret internal detail');
      return { text: body.text, instance, header: context.getHeaders()?.get('X-Probe') ?? null };
    }

    /** A subject naming one instance: no queue group, every instance subscribed to its own. */
    @EventPattern(onChannel('replicaRaft', { from: ANY_TOKEN }), { payload: 'bytes' } satisfies HandlerExtras)
    peer(@Payload() bytes: Uint8Array) {
      raw.push({ instance, bytes: bytes.byteLength });
    }

    @EventPattern(onStream('tasksSubmit', 'transport-probe'), { consumer: { maxDeliver: 3, backoffMs: [50], ackWaitMs: 5000 } } satisfies HandlerExtras)
    task(@Payload() task: TaskDto, @Ctx() context: NatsContext) {
      const delivery = context.getDelivery()!.deliveryCount;
      consumed.push({ id: task.id, delivery });
      if (task.mode === 'fail-once' && delivery === 1) throw new Error('try again');
    }
  }
  return ProbeController;
}

describe('OssaNatsTransport: NestJS handlers over one NATS connection', () => {
  const prefix = uniquePrefix('transport');
  const subjects = subjectsFor(prefix);
  const service: ServiceName = 'decision';
  let nc: NatsConnection;
  const apps: { app: INestApplication; transport: OssaNatsTransport; metrics: MetricsRegistry; connection: NatsConnectionService }[] = [];

  async function startInstance(instance: string, replicaId: string) {
    const connection = await NatsConnectionService.connect({ url: natsUrl(), name: `probe/${instance}`, subjects, credsFile: testCredsFile() });
    const logger = createLogger(service, instance, 'silent');
    const metrics = new MetricsRegistry(service, instance);
    const identity = { service, instance, version: 'test', startedAt: Date.now(), maxPayloadBytes: 4096 };
    const module = await Test.createTestingModule({
      imports: [ObservabilityModule.forRoot(metrics), MessagingModule.forRoot({ connection, identity, logger })],
      controllers: [probeController(instance)],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    const transport = attachOssaTransport(app, { connection, service, tokens: { replicaId }, maxPayloadBytes: 4096, logger, metrics });
    await app.init();
    await app.startAllMicroservices();
    apps.push({ app, transport, metrics, connection });
    return apps[apps.length - 1];
  }

  beforeAll(async () => {
    nc = await testConnection();
    await startInstance('one', 'p1');
    await startInstance('two', 'p2');
  });

  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  const make = subjects.request('decision', 'make');

  it('answers a plain JSON request from any NATS client with the plain result, headers reaching the handler', async () => {
    const h = natsHeaders();
    h.set('X-Probe', 'yes');
    const reply = await nc.request(make, new TextEncoder().encode(JSON.stringify({ text: 'hello', holdMs: 0 })), { timeout: 5000, headers: h });
    const body = JSON.parse(new TextDecoder().decode(reply.data)) as { text: string; header: string; instance: string };
    expect(body).toMatchObject({ text: 'hello', header: 'yes' });
    expect(['one', 'two']).toContain(body.instance);
  });

  it('spreads requests over the queue group: each is answered once, by one instance', async () => {
    const before = seen.length;
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => requestJson<{ text: string; instance: string }>(nc, make, { text: `q${i}`, holdMs: 0 })));
    expect(replies.map((r) => r.text).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `q${i}`).sort());
    const handled = seen.slice(before);
    expect(handled).toHaveLength(40);
    expect(new Set(handled.map((h) => h.instance))).toEqual(new Set(['one', 'two']));
  });

  it('subscribes instance subjects without a queue group, filling the instance token', async () => {
    nc.publish(subjects.raft('p1', 'p2'), new Uint8Array([1, 2, 3]));
    nc.publish(subjects.raft('p2', 'p1'), new Uint8Array(5));
    await waitFor(() => raw.length >= 2);
    expect(raw.sort((a, b) => a.instance.localeCompare(b.instance))).toEqual([
      { instance: 'one', bytes: 3 },
      { instance: 'two', bytes: 5 },
    ]);
    expect(apps[0].transport.subjects).toContain(`${prefix}.consensus.replica.p1.raft.*`);
  });

  it.each([
    ['an unknown field', JSON.stringify({ text: 'x', holdMs: 0, extra: 1 }), 'extra'],
    ['a wrong type', JSON.stringify({ text: 5, holdMs: 0 }), 'text'],
    ['a number out of range', JSON.stringify({ text: 'x', holdMs: -1 }), 'holdMs'],
    ['bad JSON', '{"text":', '(body)'],
    ['a JSON array', '[1,2]', '(body)'],
    ['a body over the payload limit', JSON.stringify({ text: 'x'.repeat(5000), holdMs: 0 }), '(payload)'],
  ])('refuses %s with VALIDATION_FAILED naming the field', async (_name, body, field) => {
    const reply = await nc.request(make, new TextEncoder().encode(body), { timeout: 5000 });
    const parsed = JSON.parse(new TextDecoder().decode(reply.data)) as { error: { code: string; details: { field: string }[] } };
    expect(parsed.error.code).toBe('VALIDATION_FAILED');
    expect(parsed.error.details.map((d) => d.field)).toContain(field);
  });

  it('answers a contract error with its envelope, and anything else INTERNAL without its text', async () => {
    const missing = await requestJson<{ error: { code: string; details: unknown[] } }>(nc, make, { text: 'missing', holdMs: 0 });
    expect(missing.error).toEqual({ code: 'NOT_FOUND', message: 'nothing called missing', details: [{ field: 'text', message: 'not here' }] });
    const crash = await requestJson<{ error: { code: string; message: string } }>(nc, make, { text: 'crash', holdMs: 0 });
    expect(crash.error.code).toBe('INTERNAL');
    expect(JSON.stringify(crash)).not.toContain('secret internal detail');
  });

  it('counts every request by subject and outcome', async () => {
    await requestJson(nc, make, { text: 'counted', holdMs: 0, nope: true });
    const text = (await Promise.all(apps.map((a) => a.metrics.metrics()))).join('\n');
    expect(text).toMatch(new RegExp(`ossa_requests_total\\{subject="${prefix}\\.decision\\.make",outcome="ok"`));
    expect(text).toMatch(new RegExp(`ossa_requests_total\\{subject="${prefix}\\.decision\\.make",outcome="VALIDATION_FAILED"`));
    expect(text).toMatch(new RegExp(`ossa_requests_total\\{subject="${prefix}\\.decision\\.make",outcome="INTERNAL"`));
  });

  it('consumes a durable stream: acks on success, retries a failure, dead-letters an invalid message at once', async () => {
    const publish = (body: unknown) => apps[0].connection.js.publish(subjects.tasksSubmit, new TextEncoder().encode(JSON.stringify(body)));
    await publish({ id: 't-ok', mode: 'ok' });
    await publish({ id: 't-retry', mode: 'fail-once' });
    await publish({ id: 't-bad', mode: 'ok', unexpected: true });
    await waitFor(() => consumed.some((c) => c.id === 't-retry' && c.delivery === 2), 15_000);
    expect(consumed.filter((c) => c.id === 't-ok')).toEqual([{ id: 't-ok', delivery: 1 }]);
    // The invalid one never reached the handler; it went to the dead-letter stream once, with the reason.
    await waitFor(async () => (await apps[0].connection.jsm.streams.info(subjects.streams.deadLetters)).state.messages >= 1, 15_000);
    const letters = await readStoredMessages(apps[0].connection, subjects.streams.deadLetters, subjects.deadLetterWildcard);
    expect(letters).toHaveLength(1);
    expect(letters[0].headers?.get('Ossa-Error')).toContain('unexpected');
    expect(consumed.some((c) => c.id === 't-bad')).toBe(false);
    // Work-queue retention: everything handled or dead-lettered was acked and left the stream.
    await waitFor(async () => (await apps[0].connection.jsm.streams.info(subjects.streams.tasks)).state.messages === 0, 15_000);
  });

  it('classifies outbound failures by type: no responders, timeout, remote error with its code', async () => {
    const client = new NatsClient(apps[0].connection);
    await expect(client.request(`${prefix}.nobody.home`, {}, { timeoutMs: 2000 })).rejects.toBeInstanceOf(NoRespondersError);
    const silent = nc.subscribe(`${prefix}.silent.one`, { callback: () => undefined });
    await nc.flush();
    await expect(client.request(`${prefix}.silent.one`, {}, { timeoutMs: 200 })).rejects.toBeInstanceOf(RequestTimeoutError);
    silent.unsubscribe();
    const remote = await client.request(make, { text: 'missing', holdMs: 0 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(RemoteError);
    expect((remote as RemoteError).code).toBe('NOT_FOUND');
  });

  it('on close stops receiving, finishes the request in flight, then answers no more', async () => {
    const extra = await startInstance('three', 'p3');
    // Only the new instance holds the request: the others are busy elsewhere for this test.
    for (const other of apps.slice(0, 2)) await other.app.close();
    apps.splice(0, 2);
    const pending = requestJson<{ text: string; instance: string }>(nc, make, { text: 'slow', holdMs: 800 });
    await waitFor(() => seen.some((s) => s.instance === 'three'));
    const closing = extra.app.close();
    expect(await pending).toMatchObject({ text: 'slow', instance: 'three' });
    await closing;
    apps.splice(apps.indexOf(extra), 1);
    await expect(requestJson(nc, make, { text: 'late', holdMs: 0 }, { timeoutMs: 1000 })).rejects.toThrow(/503|no responders/i);
  });
});
