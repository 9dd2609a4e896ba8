// Every identity may do what its role needs and nothing else, enforced by a real nats-server running the
// generated operator/account/user configuration (decentralized JWT auth, MEMORY resolver).
import { AckPolicy, connect, credsAuthenticator, RetentionPolicy, type NatsConnection } from 'nats';
import { agentConsumerName, pushAccountJwt, serveAgentIssuance } from '@ossa/security';
import { startSecureServer, uniquePrefix, type SecureServer } from '@ossa/testing';
import { firstMessage, publishRefusal, subscribeRefusal } from './nats-support';

jest.setTimeout(60_000);
const encoder = new TextEncoder();

describe('NATS permissions of each identity', () => {
  const p = uniquePrefix('sec').replace(/-/g, '_');
  const streams = p.toUpperCase();
  let server: SecureServer;
  let admin: NatsConnection;
  const open: NatsConnection[] = [];
  const as = async (kind: Parameters<SecureServer['connectAs']>[0], id: string) => {
    const nc = await server.connectAs(kind, id);
    open.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await startSecureServer(p);
    admin = await as('admin', 'root');
    const jsm = await admin.jetstreamManager();
    await jsm.streams.add({
      name: `${streams}_TASKS`,
      subjects: [`${p}.tasks.>`, `${p}.as.client.*.tasks.submit`],
      retention: RetentionPolicy.Workqueue,
    });
    await jsm.streams.add({ name: `${streams}_EVENTS`, subjects: [`${p}.events.>`] });
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((nc) => nc.close()));
    await server?.stop();
  });

  it('refuses an anonymous connection and one with a made-up user', async () => {
    await expect(connect({ servers: server.url, timeout: 2000, maxReconnectAttempts: 0 })).rejects.toThrow(
      /Authorization Violation/i,
    );
    await expect(
      connect({ servers: server.url, user: 'agent', pass: 'agent', timeout: 2000, maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it('lets agent A act on its own subjects and nowhere as agent B', async () => {
    const a = await as('agent', 'A');
    // A's own caller-scoped request subject is open: the admin answers for the registry here.
    const own = `${p}.as.agent.A.registry.agent.heartbeat`;
    const answered = admin.subscribe(own, { max: 1, callback: (_e, m) => m.respond(encoder.encode('"ok"')) });
    await admin.flush();
    const reply = await a.request(own, encoder.encode('{}'), { timeout: 2000 });
    expect(new TextDecoder().decode(reply.data)).toBe('"ok"');
    answered.unsubscribe();
    for (const action of ['agent.register', 'agent.heartbeat', 'agent.deregister', 'task.complete']) {
      const asB = `${p}.as.agent.B.registry.${action}`;
      expect(await publishRefusal(a, asB)).toContain(asB);
    }
    // The unscoped forms name the agent in the body only: services and admins use them, agents may not.
    for (const action of ['agent.heartbeat', 'agent.deregister', 'agent.register', 'task.complete']) {
      expect(await publishRefusal(a, `${p}.registry.${action}`)).toContain(action);
    }
    // B's bids, awards, ballots and assignments are not A's to read.
    expect(await subscribeRefusal(a, `${p}.agents.B.>`)).toContain(`${p}.agents.B.>`);
    expect(await subscribeRefusal(a, `${p}.agents.B.bid`)).toContain('bid');
    expect(await subscribeRefusal(a, `${p}.tasks.assigned.B`)).toContain('assigned.B');
    expect(await subscribeRefusal(a, '_INBOX.>')).toContain('_INBOX');
    expect(await subscribeRefusal(a, '_INBOX.service.registry.>')).toContain('_INBOX');
  });

  it('lets only the agent asked answer a bid, an award or a ballot', async () => {
    const a = await as('agent', 'A');
    const b = await as('agent', 'B');
    const registry = await as('service', 'registry');
    b.subscribe(`${p}.agents.B.bid`, { callback: (_e, m) => m.respond(encoder.encode('{"bid":"B"}')) });
    await b.flush();
    const reply = await registry.request(`${p}.agents.B.bid`, encoder.encode('{}'), { timeout: 2000 });
    expect(new TextDecoder().decode(reply.data)).toBe('{"bid":"B"}');
    // A forging a reply would need to publish on the registry's inbox: refused.
    expect(await publishRefusal(a, `_INBOX.service.registry.forged`)).toContain(
      '_INBOX.service.registry.forged',
    );
  });

  it('keeps agents off replica peer subjects, the ledger, events and the audit trail', async () => {
    const a = await as('agent', 'A');
    for (const subject of [
      `${p}.consensus.replica.r1.raft.A`,
      `${p}.consensus.replica.r1.raft.r2`,
      `${p}.consensus.replica.r2.propose`,
      `${p}.consensus.propose`,
      `${p}.events.agentRegistered`,
      `${p}.audit.ledgerWrite.agent.A`,
      `${p}.tasks.assigned.A`,
    ]) {
      expect(await publishRefusal(a, subject)).toContain(subject);
    }
    expect(await subscribeRefusal(a, `${p}.consensus.replica.r1.>`)).toContain('replica');
  });

  it('lets an agent read only its own assignments from JetStream', async () => {
    const a = await as('agent', 'A');
    const jsm = await a.jetstreamManager();
    const own = await jsm.consumers.add(`${streams}_TASKS`, {
      durable_name: agentConsumerName('A'),
      filter_subject: `${p}.tasks.assigned.A`,
      ack_policy: AckPolicy.Explicit,
    });
    expect(own.name).toBe(agentConsumerName('A'));
    await expect(
      jsm.consumers.add(`${streams}_TASKS`, {
        durable_name: agentConsumerName('A'),
        filter_subject: `${p}.tasks.assigned.B`,
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toThrow(/Permissions Violation/);
    await expect(
      jsm.consumers.add(`${streams}_TASKS`, {
        durable_name: agentConsumerName('B'),
        filter_subject: `${p}.tasks.assigned.B`,
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.purge(`${streams}_TASKS`)).rejects.toThrow(/Permissions Violation/);
  });

  it('lets a client submit tasks and read events but not write the ledger', async () => {
    const c = await as('client', 'c1');
    const decide = `${p}.as.client.c1.decision.make`;
    const answered = admin.subscribe(decide, {
      max: 1,
      callback: (_e, m) => m.respond(encoder.encode('"decided"')),
    });
    await admin.flush();
    expect(
      new TextDecoder().decode((await c.request(decide, encoder.encode('{}'), { timeout: 2000 })).data),
    ).toBe('"decided"');
    answered.unsubscribe();
    // Tasks go in under the client's own id; the plain subject (which names nobody) and another's are refused.
    const ack = await c.jetstream().publish(`${p}.as.client.c1.tasks.submit`, encoder.encode('{"id":"t1"}'));
    expect(ack.stream).toBe(`${streams}_TASKS`);
    expect(await publishRefusal(c, `${p}.as.client.c2.tasks.submit`)).toContain('c2.tasks.submit');
    expect(await publishRefusal(c, `${p}.tasks.submit`)).toContain('tasks.submit');
    const text = await firstMessage(c, `${p}.events.handoffCompleted`, () =>
      admin.publish(`${p}.events.handoffCompleted`, encoder.encode('{"id":"e1"}')),
    );
    expect(text).toBe('{"id":"e1"}');
    await admin.jetstream().publish(`${p}.events.agentRegistered`, encoder.encode('{"id":"e2"}'));
    const consumer = await c.jetstream().consumers.get(`${streams}_EVENTS`);
    // The stream holds both events in order: the one published on core NATS above, then this one.
    expect((await consumer.next({ expires: 2000 }))?.subject).toBe(`${p}.events.handoffCompleted`);
    expect((await consumer.next({ expires: 2000 }))?.subject).toBe(`${p}.events.agentRegistered`);
    for (const subject of [
      `${p}.consensus.propose`,
      `${p}.consensus.replica.r1.propose`,
      `${p}.registry.agent.deregister`,
      `${p}.decision.make`,
      `${p}.as.client.c1.registry.agent.register`,
      `${p}.as.client.c2.decision.make`,
      `${p}.as.agent.A.registry.agent.heartbeat`,
      `${p}.audit.decisionMade.client.c1`,
      `${p}.events.forged`,
    ]) {
      expect(await publishRefusal(c, subject)).toContain(subject);
    }
  });

  it('lets a replica speak on peer subjects only as itself, and listen only on its own', async () => {
    const r1 = await as('replica', 'r1');
    const r2 = await as('replica', 'r2');
    const text = await firstMessage(r2, `${p}.consensus.replica.r2.raft.*`, () =>
      r1.publish(`${p}.consensus.replica.r2.raft.r1`, encoder.encode('{"from":"r1"}')),
    );
    expect(text).toBe('{"from":"r1"}');
    // The sender token is the publisher's own id or nothing: r1 cannot speak as r3.
    expect(await publishRefusal(r1, `${p}.consensus.replica.r2.raft.r3`)).toContain('raft.r3');
    expect(await subscribeRefusal(r1, `${p}.consensus.replica.r2.>`)).toContain('r2');
    expect(await subscribeRefusal(r1, `${p}.consensus.replica.*.raft.*`)).toContain('replica');
  });

  it('refuses fault injection to every identity but admin', async () => {
    const subject = `${p}.consensus.replica.r1.fault`;
    for (const [kind, id] of [
      ['agent', 'A'],
      ['client', 'c1'],
      ['service', 'registry'],
      ['replica', 'r2'],
    ] as const) {
      expect(await publishRefusal(await as(kind, id), subject)).toContain(subject);
    }
    const text = await firstMessage(await as('replica', 'r1'), subject, () =>
      admin.publish(subject, encoder.encode('{"isolate":[]}')),
    );
    expect(text).toBe('{"isolate":[]}');
  });

  it('stops a revoked agent at once and refuses its credentials afterwards', async () => {
    const issued = await server.creds('agent', 'R');
    const nc = await connect({
      servers: server.url,
      authenticator: (await import('nats')).credsAuthenticator(encoder.encode(issued.creds)),
      inboxPrefix: issued.inboxPrefix,
      maxReconnectAttempts: 0,
    });
    const closed = nc.closed();
    const revoked = await server.revoke('agent', 'R');
    expect(revoked.length).toBeGreaterThan(0);
    await closed;
    expect(nc.isClosed()).toBe(true);
    await expect(
      connect({
        servers: server.url,
        authenticator: (await import('nats')).credsAuthenticator(encoder.encode(issued.creds)),
        maxReconnectAttempts: 0,
        timeout: 2000,
      }),
    ).rejects.toThrow(/Authorization Violation|revoked/i);
    // Fresh credentials for the same agent, minted after the revocation, work.
    const again = await as('agent', 'R');
    expect(again.isClosed()).toBe(false);
  });

  it('issues agent credentials to the client that owns it, to no other client, and revokes them on its word', async () => {
    const issuer = serveAgentIssuance(admin, server.installation, {
      prefix: p,
      pushRevocation: async (accountJwt) => {
        const authority = await server.installation.issue('admin', 'authority');
        return pushAccountJwt(
          server.url,
          { systemCreds: await server.installation.systemCreds(), accountCreds: authority.creds },
          server.installation.state,
          accountJwt,
        );
      },
    });
    await admin.flush();
    try {
      const owner = await as('client', 'owner');
      const other = await as('client', 'other');
      const ask = async (nc: NatsConnection, clientId: string, body: unknown) =>
        JSON.parse(
          new TextDecoder().decode(
            (
              await nc.request(
                `${p}.as.client.${clientId}.identity.agent.issue`,
                encoder.encode(JSON.stringify(body)),
                { timeout: 20_000 },
              )
            ).data,
          ),
        ) as {
          creds?: string;
          inboxPrefix?: string;
          revoked?: number;
          error?: { code: string; details: { field: string }[] };
        };
      const issued = await ask(owner, 'owner', { agentId: 'worker-7' });
      expect(issued.inboxPrefix).toBe('_INBOX.agent.worker-7');
      const agentConn = await connect({
        servers: server.url,
        authenticator: credsAuthenticator(encoder.encode(issued.creds!)),
        inboxPrefix: issued.inboxPrefix,
        maxReconnectAttempts: 0,
      });
      open.push(agentConn);
      // The issued identity is the agent's: its own subjects are open to it, another agent's are not.
      expect(await subscribeRefusal(agentConn, `${p}.agents.A.>`)).toContain('agents.A');
      const refused = await ask(other, 'other', { agentId: 'worker-7' });
      expect(refused.error).toMatchObject({ code: 'UNAUTHORIZED', details: [{ field: 'agentId' }] });
      expect((await ask(other, 'other', { agentId: 'bad id' })).error?.code).toBe('VALIDATION_FAILED');
      const closed = agentConn.closed();
      expect((await ask(owner, 'owner', { agentId: 'worker-7', revoke: true })).revoked).toBe(1);
      await closed;
      expect(agentConn.isClosed()).toBe(true);
    } finally {
      issuer.unsubscribe();
    }
  });
});
