import type { NatsConnection } from 'nats';
import { RetentionPolicy } from 'nats';
import { subjectsFor, type ErrorEnvelope, type PingReply } from '@ossa/contracts';
import { contractStreams, ensureStreams } from '@ossa/messaging';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, httpGet, requestJson, SERVICES, serviceEnv, testConnection, uniquePrefix } from '@ossa/testing';
import { ALL_SERVICES } from '../../services/all';

// The embedded mode of `npm start`: all six services in one process, against real NATS JetStream.
describe('all six services in one process', () => {
  const prefix = uniquePrefix('embedded');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  const running: RunningService[] = [];

  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    nc = await testConnection();
    const env = serviceEnv(prefix, { MAX_PAYLOAD_BYTES: '4096' });
    for (const definition of ALL_SERVICES) running.push(await startService(definition, env));
  });

  afterAll(async () => {
    await Promise.allSettled(running.map((s) => s.close()));
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it.each(SERVICES)('%s answers its ping with service, instance, version and uptime', async (service) => {
    const reply = await requestJson<PingReply>(nc, subjects.ping(service));
    // Consensus runs three replicas in this process; any instance of the service may answer.
    const instances = running.filter((s) => s.name === service).map((s) => s.instance);
    expect(reply).toEqual({ service, instance: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptimeMs: expect.any(Number) });
    expect(instances).toContain(reply.instance);
    // Started within this suite: not before it began, and a few clock-rounding milliseconds at most.
    expect(reply.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(reply.uptimeMs).toBeLessThanOrEqual(Date.now() - startedAt + 5);
  });

  it('creates the contract streams with the contract retention, and creating them again is harmless', async () => {
    const jsm = await nc.jetstreamManager();
    const tasks = await jsm.streams.info(subjects.streams.tasks);
    const events = await jsm.streams.info(subjects.streams.events);
    // Clients in secure mode submit under their own id (`as.client.<id>.tasks.submit`): the same stream takes those.
    expect(tasks.config.subjects).toEqual([`${prefix}.tasks.>`, `${prefix}.as.client.*.tasks.submit`]);
    expect(tasks.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(events.config.subjects).toEqual([`${prefix}.events.>`]);
    expect(events.config.retention).toBe(RetentionPolicy.Limits);
    const again = await ensureStreams(jsm, contractStreams(subjects));
    expect(Object.values(again)).toEqual(['existing', 'existing', 'existing', 'existing']);
  });

  describe.each(SERVICES)('%s refuses malformed requests and keeps serving', (service) => {
    const cases: [string, unknown, boolean, string][] = [
      ['bad JSON', '{"holdMs": ', true, '(body)'],
      ['a JSON array', '[1, 2, 3]', true, '(body)'],
      ['a wrong type', { holdMs: 'soon' }, false, 'holdMs'],
      ['an out-of-range value', { holdMs: -5 }, false, 'holdMs'],
      ['an unknown field', { holdMs: 1, shout: true }, false, 'shout'],
      ['an oversize payload', { pad: 'x'.repeat(8000) }, false, '(payload)'],
    ];
    it.each(cases)('%s', async (_label, body, raw, field) => {
      const reply = await requestJson<ErrorEnvelope>(nc, subjects.ping(service), body, { raw });
      expect(reply.error.code).toBe('VALIDATION_FAILED');
      expect(reply.error.message).toEqual(expect.any(String));
      expect(reply.error.details.map((d) => d.field)).toContain(field);
      const ping = await requestJson<PingReply>(nc, subjects.ping(service));
      expect(ping.service).toBe(service);
    });
  });

  it('serves Prometheus metrics with default and request metrics for each service', async () => {
    const scraped = await Promise.all(running.map(async (s) => ({ name: s.name, res: await httpGet(`${s.httpUrl}/metrics`) })));
    for (const { res } of scraped) {
      expect(res.status).toBe(200);
      expect(res.text).toContain('process_cpu_user_seconds_total');
    }
    for (const service of SERVICES) {
      // Summed over the instances of the service (three consensus replicas share its queue group).
      const texts = scraped.filter((s) => s.name === service).map((s) => s.res.text).join('\n');
      expect(texts).toMatch(new RegExp(`ossa_requests_total\\{subject="${prefix}\\.${service}\\.ping",outcome="ok",service="${service}"`));
      expect(texts).toMatch(new RegExp(`subject="${prefix}\\.${service}\\.ping",outcome="VALIDATION_FAILED"`));
    }
  });

  it('reports NATS and JetStream health', async () => {
    for (const service of running) {
      const res = await httpGet(`${service.httpUrl}/health`);
      const body = res.json<{ status: string; info: Record<string, { status: string }> }>();
      expect(res.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info.nats.status).toBe('up');
      expect(body.info.jetstream.status).toBe('up');
    }
  });
});
