// Subjects built from replies or stored data never carry what a reply or a record put there: a leader id with spaces or CR/LF is not
// sent to the NATS protocol line (it would end the PUB line and inject another command).
import { randomBytes } from 'node:crypto';
import type { Msg, NatsConnection } from 'nats';
import { subjectsFor, type ErrorEnvelope } from '@ossa/contracts';
import { LedgerClient, NatsClient, NatsConnectionService } from '@ossa/messaging';
import { natsUrl, requestJson, testConnection, uniquePrefix, useServices, testCredsFile } from '@ossa/testing';
import { registryService } from '../../services/registry/src/definition';
import { handoffLedgerKey } from '../../services/registry/src/handoff/handoff-state';

const encoder = new TextEncoder();

describe('subject tokens taken from replies', () => {
  const prefix = uniquePrefix('tokens');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let nats: NatsConnectionService;

  beforeAll(async () => {
    nc = await testConnection();
    nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'tokens-spec', subjects, credsFile: testCredsFile() });
  });

  afterAll(async () => {
    await nats.drain();
    await nc.drain();
  });

  it.each([
    ['CR/LF and a forged command', 'r1\r\nPUB evil 1\r\nx'],
    ['a space', 'r1 evil'],
    ['a dot', 'r1.evil'],
    ['a wildcard', '>'],
  ])(
    'ignores a leader id with %s and keeps proposing through the service subject',
    async (_label, leader) => {
      // A stand-in consensus service that names a hostile leader; anything sent elsewhere under the prefix is recorded.
      const seen: string[] = [];
      let index = 0;
      const answer = (msg: Msg) =>
        msg.respond(
          encoder.encode(
            JSON.stringify({ index: ++index, term: 1, leader, result: { applied: true, value: 'v' } }),
          ),
        );
      const all = nc.subscribe(`${prefix}.>`, { callback: (_e, msg) => seen.push(msg.subject) });
      const evil = nc.subscribe('evil', { callback: (_e, msg) => seen.push(msg.subject) });
      const propose = nc.subscribe(subjects.request('consensus', 'propose'), {
        callback: (_e, msg) => answer(msg),
      });
      await nc.flush();

      const ledger = new LedgerClient(new NatsClient(nats), 2000);
      const first = await ledger.compareAndSet('k', undefined, 'v');
      const second = await ledger.compareAndSet('k', 'v', 'w');
      await nats.nc.flush();
      await nc.flush();
      for (const s of [all, evil, propose]) s.unsubscribe();

      expect(first).toEqual({ applied: true, value: 'v', index: 1 });
      expect(second).toEqual({ applied: true, value: 'v', index: 2 });
      // Both proposals went through the service subject: the hostile id was never used as a replica subject.
      expect(seen).toEqual([
        subjects.request('consensus', 'propose'),
        subjects.request('consensus', 'propose'),
      ]);
    },
  );

  it('still goes straight to a leader whose id is a valid token', async () => {
    const seen: string[] = [];
    const reply = (msg: Msg) =>
      msg.respond(
        encoder.encode(
          JSON.stringify({ index: 1, term: 1, leader: 'r2', result: { applied: true, value: 'v' } }),
        ),
      );
    const subs = [
      nc.subscribe(subjects.request('consensus', 'propose'), {
        callback: (_e, msg) => (seen.push(msg.subject), reply(msg)),
      }),
      nc.subscribe(subjects.request('consensus', 'replica.r2.propose'), {
        callback: (_e, msg) => (seen.push(msg.subject), reply(msg)),
      }),
    ];
    await nc.flush();
    const ledger = new LedgerClient(new NatsClient(nats), 2000);
    await ledger.compareAndSet('k', undefined, 'v');
    await ledger.compareAndSet('k', 'v', 'w');
    for (const s of subs) s.unsubscribe();
    expect(seen).toEqual([
      subjects.request('consensus', 'propose'),
      subjects.request('consensus', 'replica.r2.propose'),
    ]);
  });
});

describe('subject tokens taken from stored data', () => {
  const suite = useServices('stored-tokens', [registryService], {
    ledger: true,
    // The agent answers its bid at once (collection ends then); a long window keeps a loaded machine from counting it silent.
    env: { BID_WINDOW_MS: '5000' },
  });

  it.each([
    ['CR/LF and a forged command', 'agent-1\r\nPUB evil 1\r\nx'],
    ['a space', 'agent 1'],
    ['a wildcard', '*'],
  ])(
    'never puts an assignee with %s from the ledger into a subject, and records nothing for it',
    async (_label, stored) => {
      const { nc, subjects } = suite;
      const taskId = `stored-${randomBytes(3).toString('hex')}`;
      await requestJson(nc, subjects.request('registry', 'agent.register'), {
        id: 'token-worker',
        name: 'Worker',
        type: 'executor',
        state: 'available',
        currentLoad: 0,
        maxLoad: 5,
        trustScore: 0.9,
        lastHeartbeat: new Date().toISOString(),
        capabilities: [{ id: 'token-cap', name: 'token-cap', version: '1.0' }],
      });
      // The ledger holds a handoff state naming a corrupt assignee (written behind the registry's back).
      const nats = await NatsConnectionService.connect({
        url: natsUrl(),
        name: 'stored-tokens-spec',
        subjects,
        credsFile: testCredsFile(),
      });
      try {
        expect(
          await new LedgerClient(new NatsClient(nats)).compareAndSet(
            handoffLedgerKey(taskId),
            undefined,
            `delivered|1|${stored}|n-1|1`,
          ),
        ).toMatchObject({ applied: true });
      } finally {
        await nats.drain();
      }
      // The agent bids (the wildcard watch below would otherwise count as a listener that stays silent).
      const bids = nc.subscribe(subjects.agent('token-worker', 'bid'), {
        callback: (_e, msg) => msg.respond(new TextEncoder().encode('{"bid":true}')),
      });
      const seen: string[] = [];
      const watch = nc.subscribe('>', { callback: (_e, msg) => seen.push(msg.subject) });
      await nc.flush();

      const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('registry', 'handoff.initiate'), {
        id: taskId,
        priority: 'high',
        requiredCapabilities: [{ capabilityId: 'token-cap' }],
      });
      await nc.flush();
      watch.unsubscribe();
      bids.unsubscribe();

      expect(reply.error.code).toBe('INTERNAL');
      // The bid went out: the negotiation reached the ledger's claim.
      expect(seen).toContain(subjects.agent('token-worker', 'bid'));
      // Nothing was sent on a subject made from the stored value, and no task went anywhere.
      expect(seen.filter((s) => /[\s*>]/.test(s) || s.includes('evil'))).toEqual([]);
      expect(seen.filter((s) => s.startsWith(`${subjects.prefix}.tasks.assigned.`))).toEqual([]);
      expect(
        await requestJson(nc, subjects.request('registry', 'agent.get'), { agentId: 'token-worker' }),
      ).toMatchObject({ currentLoad: 0 });
    },
  );
});
