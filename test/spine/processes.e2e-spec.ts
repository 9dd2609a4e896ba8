import type { NatsConnection } from 'nats';
import { subjectsFor, type PingReply } from '@ossa/contracts';
import { deleteStreams, requestJson, serviceEnv, spawnService, testConnection, uniquePrefix, type ChildService } from '@ossa/testing';

// Services as separate OS processes (`npm run start:<service>` runs the same entry point).
describe('service processes', () => {
  const prefix = uniquePrefix('processes');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  const children: ChildService[] = [];

  function start(entry: string, extra: Record<string, string> = {}): ChildService {
    const env = serviceEnv(prefix, { HTTP_PORT: '0', LOG_LEVEL: 'debug', ...extra });
    delete env.OSSA_EMBEDDED;
    for (const key of Object.keys(env)) if (key.endsWith('_HTTP_PORT')) delete env[key];
    const child = spawnService(entry, env);
    children.push(child);
    return child;
  }
  const isStarted = (line: Record<string, unknown>) => line.msg === 'started';

  beforeAll(async () => {
    nc = await testConnection();
  });

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.kill('SIGKILL');
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it('two instances of one service share its queue group and both serve', async () => {
    const a = start('services/decision/src/main.js', { INSTANCE_ID: 'decision-a' });
    const b = start('services/decision/src/main.js', { INSTANCE_ID: 'decision-b' });
    await Promise.all([a.waitForLog(isStarted), b.waitForLog(isStarted)]);

    const replies = await Promise.all(Array.from({ length: 60 }, () => requestJson<PingReply>(nc, subjects.ping('decision'))));
    const counts = new Map<string, number>();
    for (const reply of replies) counts.set(reply.instance, (counts.get(reply.instance) ?? 0) + 1);
    // Each request went to exactly one instance (60 replies in all), and both instances took a share.
    expect([...counts.keys()].sort()).toEqual(['decision-a', 'decision-b']);
    expect([...counts.values()].reduce((x, y) => x + y, 0)).toBe(60);

    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('a stopping service finishes the request in flight, then exits cleanly and stops answering', async () => {
    const svc = start('services/conflict/src/main.js', { INSTANCE_ID: 'conflict-drain' });
    await svc.waitForLog(isStarted);
    const pending = requestJson<PingReply>(nc, subjects.ping('conflict'), { holdMs: 1500 });
    // The service logs each request it receives at debug level: stop it once it holds ours.
    await svc.waitForLog((l) => l.msg === 'request received' && l.subject === subjects.ping('conflict'));
    svc.kill('SIGTERM');
    const reply = await pending;
    expect(reply).toMatchObject({ service: 'conflict', instance: 'conflict-drain' });
    expect(await svc.exited).toBe(0);
    await expect(requestJson(nc, subjects.ping('conflict'), {}, { timeoutMs: 1000 })).rejects.toThrow(/503|no responders/i);
  });

  it('refuses to start on a bad configuration value, naming it, with a non-zero exit', async () => {
    const svc = start('services/registry/src/main.js', { HTTP_PORT: 'eighty', LOG_LEVEL: 'chatty' });
    const code = await svc.exited;
    expect(code).not.toBe(0);
    const stderr = svc.stderr.join('\n');
    expect(stderr).toContain('HTTP_PORT="eighty"');
    expect(stderr).toContain('LOG_LEVEL="chatty"');
  });

  it('says clearly when NATS cannot be reached', async () => {
    const svc = start('services/ordering/src/main.js', { NATS_URL: 'nats://127.0.0.1:1' });
    expect(await svc.exited).not.toBe(0);
    expect(svc.stderr.join('\n')).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
