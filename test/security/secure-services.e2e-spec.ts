// The services under NATS credentials: the registry decides what the server cannot (which agent a request
// is about) from the caller the subject proves, answers UNAUTHORIZED naming the field, and every outcome
// and refusal lands in the append-only audit stream with the identity that caused it.
import type { NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { NatsConnectionService, queryAudit } from '@ossa/messaging';
import { startService, type RunningService } from '@ossa/runtime';
import path from 'node:path';
import {
  auditStreamName,
  generateKeyFile,
  loadKeyring,
  openJson,
  sealJson,
  sealMessage,
} from '@ossa/security';
import { headers as natsHeaders } from 'nats';
import {
  requestJson,
  seedRequest,
  serviceEnv,
  startLedger,
  startSecureServer,
  uniquePrefix,
  waitFor,
  type SecureServer,
} from '@ossa/testing';
import { decisionService } from '../../services/decision/src/definition';
import { registryService } from '../../services/registry/src/definition';
import { firstMessage, publishRefusal } from './nats-support';

jest.setTimeout(90_000);

const sla = {
  responseTimeMs: 1000,
  availabilityPercent: 99.9,
  throughputPerSecond: 100,
  errorRatePercent: 0.1,
  recoveryTimeMs: 5000,
};
const agent = (id: string) => ({
  id,
  name: `Worker ${id}`,
  type: 'executor',
  capabilities: [
    {
      id: 'summarize',
      name: 'summarize',
      version: '1.0',
      parameters: [],
      constraints: [],
      cost: { baseUnits: 10, scalingFactor: 1.5, currency: 'tokens', budgetRequired: true },
      sla,
    },
  ],
  state: 'available',
  currentLoad: 0,
  maxLoad: 10,
  sla,
  trustScore: 0.9,
  lastHeartbeat: new Date().toISOString(),
  metadata: {
    version: '1.0',
    framework: 'ossa',
    region: 'eu',
    tags: ['worker'],
    owner: 'system',
    createdAt: new Date().toISOString(),
    lastUpdated: new Date().toISOString(),
  },
});

describe('services under NATS credentials', () => {
  const prefix = uniquePrefix('secsvc').replace(/-/g, '_');
  const subjects = subjectsFor(prefix);
  let server: SecureServer;
  let running: RunningService[] = [];
  const open: NatsConnection[] = [];
  let auditor: NatsConnectionService;
  let keysDir: string;
  const as = async (kind: Parameters<SecureServer['connectAs']>[0], id: string) => {
    const nc = await server.connectAs(kind, id);
    open.push(nc);
    return nc;
  };
  // The suite's own credentials directory (OSSA_TEST_SECURE=1) belongs to another server: each spec here mints its own.
  const envWithoutCreds = () => {
    const { NATS_CREDS_DIR: _suiteCreds, ...env } = serviceEnv(prefix);
    return env;
  };
  const scoped = (kind: string, id: string, rest: string) => `${prefix}.as.${kind}.${id}.${rest}`;

  beforeAll(async () => {
    server = await startSecureServer(prefix);
    const registryCreds = await server.creds('service', 'registry');
    const decisionCreds = await server.creds('service', 'decision');
    keysDir = path.join(server.installation.dir, 'payload-keys');
    await generateKeyFile(keysDir, 'k1');
    const env = {
      ...envWithoutCreds(),
      NATS_URL: server.url,
      NODE_ENV: 'production',
      OSSA_PAYLOAD_KEYS_DIR: keysDir,
    };
    running.push(await startService(registryService, { ...env, NATS_CREDS: registryCreds.file }));
    running.push(await startService(decisionService, { ...env, NATS_CREDS: decisionCreds.file }));
    const adminCreds = await server.creds('admin', 'auditor');
    auditor = await NatsConnectionService.connect({
      url: server.url,
      name: 'auditor',
      subjects,
      credsFile: adminCreds.file,
    });
  });

  afterAll(async () => {
    await Promise.allSettled(running.map((s) => s.close()));
    running = [];
    await Promise.allSettled(open.map((nc) => nc.close()));
    await auditor?.drain();
    await server?.stop();
  });

  it('refuses to start a service in production without credentials', async () => {
    await expect(
      startService(registryService, { ...envWithoutCreds(), NATS_URL: server.url, NODE_ENV: 'production' }),
    ).rejects.toThrow(/NATS_CREDS.*refuses to start without NATS credentials/);
  });

  it('lets an agent register and heartbeat as itself, and answers UNAUTHORIZED naming the field when it claims another', async () => {
    const a = await as('agent', 'A');
    const b = await as('agent', 'B');
    const registered = await requestJson<{ created: boolean }>(
      a,
      scoped('agent', 'A', 'registry.agent.register'),
      agent('A'),
    );
    expect(registered.created).toBe(true);
    expect(
      (
        await requestJson<{ created: boolean }>(
          b,
          scoped('agent', 'B', 'registry.agent.register'),
          agent('B'),
        )
      ).created,
    ).toBe(true);

    const asB = await requestJson<{
      error: { code: string; message: string; details: { field: string; value: string }[] };
    }>(a, scoped('agent', 'A', 'registry.agent.register'), agent('B'));
    expect(asB.error.code).toBe('UNAUTHORIZED');
    expect(asB.error.details).toEqual([expect.objectContaining({ field: 'id', value: 'B' })]);
    for (const [rest, body, field] of [
      ['registry.agent.heartbeat', { agentId: 'B' }, 'agentId'],
      ['registry.agent.deregister', { agentId: 'B' }, 'agentId'],
      ['registry.task.complete', { agentId: 'B', taskId: 't-1', outcome: 'succeeded' }, 'agentId'],
    ] as const) {
      const reply = await requestJson<{
        error: { code: string; message: string; details: { field: string }[] };
      }>(a, scoped('agent', 'A', rest), body);
      expect(reply.error.code).toBe('UNAUTHORIZED');
      expect(reply.error.message).toContain('agent A may not');
      expect(reply.error.details[0].field).toBe(field);
    }
    // B is untouched: still registered, and A's own heartbeat goes through.
    expect(
      (await requestJson<{ id: string }>(b, scoped('agent', 'B', 'registry.agent.get'), { agentId: 'B' })).id,
    ).toBe('B');
    expect(
      (
        await requestJson<{ agentId: string }>(a, scoped('agent', 'A', 'registry.agent.heartbeat'), {
          agentId: 'A',
        })
      ).agentId,
    ).toBe('A');
    // And the server keeps A off B's caller subject altogether.
    await publishRefusal(a, scoped('agent', 'B', 'registry.agent.heartbeat'));
  });

  it('writes every outcome and refusal to the audit trail with the proven identity, queryable by identity and time', async () => {
    const since = new Date(Date.now() - 60_000);
    let records: Awaited<ReturnType<typeof queryAudit>> = [];
    await waitFor(async () => {
      records = await queryAudit(auditor, { actorKind: 'agent', actorId: 'A', since });
      return records.filter((r) => r.action === 'refused').length >= 4;
    });
    expect(records.find((r) => r.action === 'agentRegistered')).toMatchObject({
      actor: { kind: 'agent', id: 'A' },
      agentId: 'A',
      outcome: 'ok',
    });
    expect(records.filter((r) => r.action === 'refused').map((r) => r.agentId)).toEqual(['B', 'B', 'B', 'B']);
    expect(records.every((r) => r.recordedBy.startsWith('registry/'))).toBe(true);
    const forB = await queryAudit(auditor, { actorKind: 'agent', actorId: 'B' });
    expect(forB.map((r) => r.action)).toEqual(['agentRegistered']);
    expect(await queryAudit(auditor, { actorId: 'A', until: new Date(since.getTime() - 1) })).toEqual([]);
  });

  it('records a client-requested decision with the client as its actor', async () => {
    const c = await as('client', 'c1');
    const reply = await requestJson<{ decisionId: string; winningAlternative: { id: string } | null }>(
      c,
      scoped('client', 'c1', 'decision.make'),
      seedRequest(),
      { timeoutMs: 15_000 },
    );
    expect(typeof reply.decisionId).toBe('string');
    let made: Awaited<ReturnType<typeof queryAudit>> = [];
    await waitFor(async () => (made = await queryAudit(auditor, { action: 'decisionMade' })).length === 1);
    expect(made[0]).toMatchObject({
      actor: { kind: 'client', id: 'c1' },
      outcome: 'ok',
      details: expect.objectContaining({
        decisionId: reply.decisionId,
        winningAlternative: reply.winningAlternative?.id ?? null,
      }),
    });
  });

  it('counts a sealed ballot of a confidential decision, unreadable on the wire, and rejects a tampered one', async () => {
    const ring = await loadKeyring(keysDir);
    const ranking = ['llama', 'claude', 'gpt-4'];
    const sealedReply = (subject: string, tamper: boolean) => {
      const { data, headers } = sealMessage(
        ring,
        subject,
        new TextEncoder().encode(JSON.stringify({ ranking })),
      );
      if (tamper) data[data.length - 1] ^= 1;
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      return { data, h };
    };
    const voters = ['cto', 'lead', 'pm'];
    for (const [i, id] of voters.entries()) {
      const nc = await as('agent', id);
      const subject = subjects.agent(id, 'ballot');
      nc.subscribe(subject, {
        callback: (_e, m) => {
          const { data, h } = sealedReply(subject, i === 2);
          m.respond(data, { headers: h });
        },
      });
      await nc.flush();
    }
    // An admin wiretap on the decision service's inbox sees only ciphertext.
    const wire: Uint8Array[] = [];
    const tap = auditor.nc.subscribe('_INBOX.service.decision.>', { callback: (_e, m) => wire.push(m.data) });
    await auditor.nc.flush();
    const c = await as('client', 'c2');
    const reply = await requestJson<{
      collection: { received: string[]; rejected: { stakeholderId: string; reason: string }[] };
    }>(
      c,
      scoped('client', 'c2', 'decision.make'),
      seedRequest({
        id: 'confidential-1',
        votingSystem: 'plurality',
        quorum: { minimum: 2 },
        collection: { windowMs: 3000 },
      }),
      { timeoutMs: 20_000 },
    );
    tap.unsubscribe();
    expect(reply.collection.received).toEqual(['cto', 'lead']);
    expect(reply.collection.rejected).toEqual([
      { stakeholderId: 'pm', reason: expect.stringContaining('does not authenticate') },
    ]);
    expect(wire.length).toBeGreaterThanOrEqual(3);
    for (const bytes of wire) expect(Buffer.from(bytes).includes(Buffer.from('llama'))).toBe(false);
  });

  it('carries a sealed task context through the registry to the agent, which alone opens it', async () => {
    const ring = await loadKeyring(keysDir);
    const secret = { customer: 'ACME', apiToken: 'tok-123' };
    const a = await as('agent', 'A');
    const invitations: { task: { id: string; context: { sealed: Parameters<typeof openJson>[1] } } }[] = [];
    a.subscribe(subjects.agent('A', 'bid'), {
      callback: (_e, m) => {
        invitations.push(JSON.parse(new TextDecoder().decode(m.data)) as (typeof invitations)[number]);
        m.respond(new TextEncoder().encode('{"decline":true}'));
      },
    });
    await a.flush();
    const c = await as('client', 'c3');
    const task = {
      id: 'task-sealed-1',
      requiredCapabilities: [{ capabilityId: 'summarize' }],
      priority: 'high',
      context: { sealed: sealJson(ring, secret, 'task/task-sealed-1', 'context') },
    };
    await requestJson(c, scoped('client', 'c3', 'registry.handoff.initiate'), task, { timeoutMs: 15_000 });
    expect(invitations).toHaveLength(1);
    expect(JSON.stringify(invitations[0])).not.toContain('tok-123');
    expect(openJson(ring, invitations[0].task.context.sealed, 'task/task-sealed-1', 'context')).toEqual(
      secret,
    );
    const bad = await requestJson<{ error: { code: string; details: { field: string }[] } }>(
      c,
      scoped('client', 'c3', 'registry.handoff.initiate'),
      { ...task, context: { sealed: { enc: 'aes-256-gcm', kid: 'k1', iv: 'short', tag: 'x', ct: '!' } } },
    );
    expect(bad.error.code).toBe('VALIDATION_FAILED');
    expect(bad.error.details.map((d) => d.field).sort()).toEqual([
      'context.sealed.ct',
      'context.sealed.iv',
      'context.sealed.tag',
    ]);
  });

  it('refuses ballots a client casts for stakeholders, naming each, and audits the refusal', async () => {
    const c = await as('client', 'c4');
    const reply = await requestJson<{
      error: { code: string; message: string; details: { field: string; value: string }[] };
    }>(
      c,
      scoped('client', 'c4', 'decision.make'),
      seedRequest({
        id: 'stuffed-1',
        votingSystem: 'plurality',
        quorum: { minimum: 1 },
        ballots: [
          { stakeholderId: 'cto', ranking: ['llama', 'claude', 'gpt-4'] },
          { stakeholderId: 'pm', ranking: ['llama', 'gpt-4', 'claude'] },
        ],
      }),
      { timeoutMs: 15_000 },
    );
    expect(reply.error.code).toBe('UNAUTHORIZED');
    expect(reply.error.details.map((d) => [d.field, d.value])).toEqual([
      ['ballots[0]', 'cto'],
      ['ballots[1]', 'pm'],
    ]);
    let refused: Awaited<ReturnType<typeof queryAudit>> = [];
    await waitFor(
      async () =>
        (refused = await queryAudit(auditor, { action: 'refused', actorKind: 'client', actorId: 'c4' }))
          .length === 1,
    );
    expect(refused[0].details).toMatchObject({
      request: 'decision.make',
      requestId: 'stuffed-1',
      ballots: ['cto', 'pm'],
    });
    // No decision was made on them.
    expect(await queryAudit(auditor, { action: 'decisionMade', actorKind: 'client', actorId: 'c4' })).toEqual(
      [],
    );
  });

  it('takes a task a client submits under its own id through JetStream, audits the client, and carries the sealed result back', async () => {
    // The ledger: three replicas, each with its own replica credentials.
    const replicaCreds = await Promise.all(['r1', 'r2', 'r3'].map((id) => server.creds('replica', id)));
    const ledger = await startLedger({
      ...envWithoutCreds(),
      NATS_URL: server.url,
      NODE_ENV: 'production',
      NATS_CREDS_DIR: path.dirname(replicaCreds[0].file),
    });
    running.push(...ledger);
    const ring = await loadKeyring(keysDir);
    const w = await as('agent', 'W');
    // A capability no other agent of this spec offers, so W alone is asked.
    const worker = agent('W');
    worker.capabilities[0] = { ...worker.capabilities[0], id: 'audit-report', name: 'audit-report' };
    await requestJson(w, scoped('agent', 'W', 'registry.agent.register'), worker);
    w.subscribe(subjects.agent('W', 'bid'), {
      callback: (_e, m) => m.respond(new TextEncoder().encode('{"bid":true,"confidence":0.9}')),
    });
    w.subscribe(subjects.agent('W', 'award'), {
      callback: (_e, m) => m.respond(new TextEncoder().encode('{"accepted":true}')),
    });
    await w.flush();

    const c5 = await as('client', 'c5');
    const taskId = 'task-submitted-as-c5';
    const task = { id: taskId, requiredCapabilities: [{ capabilityId: 'audit-report' }], priority: 'high' };
    // The client may not submit as another client, nor on the plain subject that names no one.
    expect(await publishRefusal(c5, subjects.tasksSubmitAs('c6'))).toContain('c6.tasks.submit');
    expect(await publishRefusal(c5, subjects.tasksSubmit)).toContain('tasks.submit');
    const ack = await c5
      .jetstream()
      .publish(subjects.tasksSubmitAs('c5'), new TextEncoder().encode(JSON.stringify(task)), {
        msgID: taskId,
      });
    expect(ack.stream).toBe(subjects.streams.tasks);

    let assigned: Awaited<ReturnType<typeof queryAudit>> = [];
    await waitFor(
      async () => (assigned = await queryAudit(auditor, { action: 'taskAssigned', taskId })).length === 1,
      30_000,
    );
    expect(assigned[0]).toMatchObject({ actor: { kind: 'client', id: 'c5' }, agentId: 'W', outcome: 'ok' });

    // W completes with a result sealed for the submitter; the client reads it from the taskCompleted event.
    const secret = { summary: 'quarterly numbers', figure: 42 };
    const result = { sealed: sealJson(ring, secret, `task/${taskId}`, 'result') };
    const eventText = await firstMessage(c5, subjects.event('taskCompleted'), () =>
      requestJson(w, scoped('agent', 'W', 'registry.task.complete'), { taskId, agentId: 'W', result }),
    );
    expect(eventText).not.toContain('quarterly');
    const event = JSON.parse(eventText) as {
      data: {
        taskId: string;
        agentId: string;
        status: string;
        result: { sealed: Parameters<typeof openJson>[1] };
      };
    };
    expect(event.data).toMatchObject({ taskId, agentId: 'W', status: 'completed' });
    expect(openJson(ring, event.data.result.sealed, `task/${taskId}`, 'result')).toEqual(secret);
    // Bound to its task and field, and tamper-evident.
    expect(() => openJson(ring, event.data.result.sealed, 'task/another', 'result')).toThrow();
    expect(() => openJson(ring, event.data.result.sealed, `task/${taskId}`, 'context')).toThrow();
    const ct = Buffer.from(event.data.result.sealed.ct, 'base64');
    ct[0] ^= 1;
    expect(() =>
      openJson(ring, { ...event.data.result.sealed, ct: ct.toString('base64') }, `task/${taskId}`, 'result'),
    ).toThrow();

    let completed: Awaited<ReturnType<typeof queryAudit>> = [];
    await waitFor(
      async () => (completed = await queryAudit(auditor, { action: 'taskCompleted', taskId })).length === 1,
    );
    expect(completed[0]).toMatchObject({
      actor: { kind: 'agent', id: 'W' },
      details: { sealedResult: { kid: result.sealed.kid } },
    });
    expect(JSON.stringify(completed[0])).not.toContain(result.sealed.ct);

    // A malformed result is refused field by field.
    const bad = await requestJson<{ error: { code: string; details: { field: string }[] } }>(
      w,
      scoped('agent', 'W', 'registry.task.complete'),
      {
        taskId,
        agentId: 'W',
        result: { sealed: { ...result.sealed, enc: 'none', tag: 'short' } },
      },
    );
    expect(bad.error.code).toBe('VALIDATION_FAILED');
    expect(bad.error.details.map((d) => d.field).sort()).toEqual(['result.sealed.enc', 'result.sealed.tag']);
  });

  it('keeps the audit trail append-only: services may not purge it, and the stream refuses even an admin', async () => {
    const registry = await as('service', 'registry-extra');
    const jsm = await registry.jetstreamManager();
    const stream = auditStreamName(prefix);
    await expect(jsm.streams.purge(stream)).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.deleteMessage(stream, 1)).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.delete(stream)).rejects.toThrow(/Permissions Violation/);
    await expect(auditor.jsm.streams.purge(stream)).rejects.toThrow(/purge not permitted|not permitted/i);
    await expect(auditor.jsm.streams.deleteMessage(stream, 1)).rejects.toThrow(/not permitted|delete/i);
    const info = await auditor.jsm.streams.info(stream);
    expect(info.config).toMatchObject({ deny_delete: true, deny_purge: true });
    expect(info.state.messages).toBeGreaterThan(5);
  });
});
