import type { NatsConnection } from 'nats';
import { subjectsFor, type ErrorEnvelope, type EventEnvelope } from '@ossa/contracts';
import { NatsConnectionService, readStoredMessages } from '@ossa/messaging';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, natsUrl, requestJson, seedRequest, serviceEnv, stakeholder, testConnection, uniquePrefix, useServices, testCredsFile } from '@ossa/testing';
import { decisionService } from '../../services/decision/src/definition';

interface Reply {
  decisionId: string;
  outcome: string;
  winningAlternative: { id: string; name: string } | null;
  ranking: { alternativeId: string; score: number }[];
  confidence: number;
  quorum: { met: boolean; voters: number };
  plan: { phases: unknown[] } | null;
  collection: { asked: string[]; received: string[]; declined: string[]; silent: string[]; absent: string[]; rejected: { stakeholderId: string }[] } | null;
  recorded: { committed: boolean; used: string | null };
}

describe('decision service over NATS', () => {
  const prefix = uniquePrefix('decision');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let service: RunningService;

  beforeAll(async () => {
    nc = await testConnection();
    service = await startService(decisionService, serviceEnv(prefix));
  });

  afterAll(async () => {
    await service.close();
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it('makes the seed decision from ballots in the request, with a plan, and publishes decisionMade', async () => {
    const ballots = [
      { stakeholderId: 'cto', ranking: ['claude', 'gpt-4', 'llama'] },
      { stakeholderId: 'lead', ranking: ['claude', 'llama', 'gpt-4'] },
      { stakeholderId: 'pm', ranking: ['gpt-4', 'claude', 'llama'] },
    ];
    const reply = await requestJson<Reply>(nc, subjects.request('decision', 'make'), seedRequest({ ballots }));
    expect(reply.outcome).toBe('decided');
    expect(reply.winningAlternative!.id).toBe('claude');
    expect(reply.confidence).toBeGreaterThan(0);
    expect(reply.confidence).toBeLessThanOrEqual(1);
    expect(reply.quorum).toMatchObject({ met: true, voters: 3 });
    expect(reply.ranking.map((r) => r.alternativeId)).toHaveLength(3);
    expect(reply.plan!.phases.length).toBeGreaterThan(0);
    expect(reply.recorded).toMatchObject({ committed: false, used: null });

    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'decision-spec', subjects, credsFile: testCredsFile() });
    const stored = await readStoredMessages(nats, subjects.streams.events, subjects.event('decisionMade'));
    await nats.drain();
    const event = stored.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<{ decisionId: string; winningAlternative: string }>).find((e) => e.data.decisionId === reply.decisionId);
    expect(event!.data.winningAlternative).toBe('claude');
  });

  it('collects ballots live from stakeholder agents: answers, a decline, a silent agent and an absent one', async () => {
    const answer = (ranking: string[]) => new TextEncoder().encode(JSON.stringify({ ranking }));
    const subs = [
      nc.subscribe(subjects.agent('a1', 'ballot'), { callback: (_e, m) => m.respond(answer(['llama', 'gpt-4', 'claude'])) }),
      nc.subscribe(subjects.agent('a2', 'ballot'), { callback: (_e, m) => m.respond(answer(['llama', 'claude', 'gpt-4'])) }),
      nc.subscribe(subjects.agent('a3', 'ballot'), { callback: (_e, m) => m.respond(new TextEncoder().encode('{"decline":true}')) }),
      nc.subscribe(subjects.agent('a4', 'ballot'), { callback: () => undefined }),
      nc.subscribe(subjects.agent('a5', 'ballot'), { callback: (_e, m) => m.respond(new TextEncoder().encode('{"ranking":"llama"}')) }),
    ];
    const stakeholders = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((id) => stakeholder(id, 'engineer', 0.8));
    const reply = await requestJson<Reply>(
      nc,
      subjects.request('decision', 'make'),
      seedRequest({ stakeholders, votingSystem: 'plurality', quorum: { minimum: 2 }, collection: { windowMs: 800 } }),
      { timeoutMs: 10_000 },
    );
    for (const s of subs) s.unsubscribe();
    expect(reply.collection).toMatchObject({
      asked: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'],
      received: ['a1', 'a2'],
      declined: ['a3'],
      silent: ['a4'],
      absent: ['a6'],
    });
    expect(reply.collection!.rejected.map((r) => r.stakeholderId)).toEqual(['a5']);
    expect(reply.winningAlternative!.id).toBe('llama');
    expect(reply.quorum.voters).toBe(2);
  });

  it('asks a collection larger than one batch in flushed batches, every stakeholder once', async () => {
    // 150 stakeholders: three batches of at most 64 invitations; three agents answer, the rest have no responder.
    const answering = ['b000', 'b075', 'b149'];
    const subs = answering.map((id) =>
      nc.subscribe(subjects.agent(id, 'ballot'), { callback: (_e, m) => m.respond(new TextEncoder().encode(JSON.stringify({ ranking: ['llama'] }))) }),
    );
    const stakeholders = Array.from({ length: 150 }, (_, i) => ({ id: `b${String(i).padStart(3, '0')}`, role: 'engineer' }));
    const reply = await requestJson<Reply & { collection: { unasked: string[] } }>(
      nc,
      subjects.request('decision', 'make'),
      seedRequest({ stakeholders, votingSystem: 'plurality', quorum: undefined, collection: { windowMs: 2_000 } }),
      { timeoutMs: 10_000 },
    );
    for (const s of subs) s.unsubscribe();
    expect(reply.collection!.asked).toHaveLength(150);
    expect(reply.collection!.received).toEqual(answering);
    expect(reply.collection!.absent).toHaveLength(147);
    expect(reply.collection!.unasked).toEqual([]);
    expect(reply.winningAlternative!.id).toBe('llama');
  });

  it.each([
    ['more stakeholders than one live collection asks (5,000)', { stakeholders: Array.from({ length: 5_001 }, (_, i) => ({ id: `s${i}` })) }, 'stakeholders', /live collection asks at most 5000 stakeholders; 5001 have no ballot/],
    ['an invitation over 64 KiB', { description: 'x'.repeat(70_000) }, 'collection', /the ballot invitation would be \d+ bytes; the limit is 65536/],
    [
      'a collection whose ballots Condorcet could not count',
      { votingSystem: 'condorcet', alternatives: Array.from({ length: 100 }, (_, i) => ({ id: `x${i}`, name: `x${i}`, attributes: [] })), stakeholders: Array.from({ length: 2_001 }, (_, i) => ({ id: `s${i}` })) },
      'stakeholders',
      /condorcet counts at most ballots x alternatives\^2 = 20,000,000; 2001 x 100\^2/,
    ],
  ])('refuses live collection of %s with VALIDATION_FAILED before asking anyone', async (_label, extra, field, message) => {
    let asked = 0;
    const sub = nc.subscribe(subjects.agent('s0', 'ballot'), { callback: () => asked++ });
    const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('decision', 'make'), seedRequest({ quorum: undefined, collection: { windowMs: 500 }, ...extra }));
    sub.unsubscribe();
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details.find((d) => d.field === field)?.message).toMatch(message);
    expect(asked).toBe(0);
  });

  it('refuses with QUORUM_NOT_MET naming what is missing', async () => {
    const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('decision', 'make'), seedRequest({ ballots: [{ stakeholderId: 'cto', ranking: ['gpt-4'] }] }));
    expect(reply.error.code).toBe('QUORUM_NOT_MET');
    const fields = reply.error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['quorum.minimum', 'quorum.stakeholder_types']));
  });

  it('refuses an inconsistent AHP matrix, stating the consistency ratio', async () => {
    const reply = await requestJson<ErrorEnvelope>(
      nc,
      subjects.request('decision', 'make'),
      seedRequest({
        criteria: [
          { criterion: 'quality', weight: 1 },
          { criterion: 'cost', weight: 1 },
          { criterion: 'time', weight: 1 },
        ],
        quorum: undefined,
        analysis: { method: 'ahp', pairwise: { criteria: [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]] } },
      }),
    );
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.message).toMatch(/consistency ratio \d+\.\d+/);
    expect(reply.error.details[0].field).toBe('analysis.pairwise.criteria');
  });

  it.each([
    ['an unknown voting system', { votingSystem: 'dictator' }, 'votingSystem'],
    ['a weight that is not a number', { criteria: [{ criterion: 'quality', weight: 'high' }] }, 'criteria[0].weight'],
    ['a criterion in camelCase', { criteria: [{ criterion: 'userExperience', weight: 1 }] }, 'criteria[0].criterion'],
    ['a trust score above 1', { stakeholders: [{ ...stakeholder('x', 'user', 0.5), trustScore: 7 }] }, 'stakeholders[0].trustScore'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
  ])('refuses %s with VALIDATION_FAILED', async (_label, extra, field) => {
    const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('decision', 'make'), seedRequest(extra));
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details.map((d) => d.field)).toContain(field);
  });
});

describe('decision service with the consensus ledger running', () => {
  const suite = useServices('decision-ledger', [decisionService], { ledger: true });

  it('records the decision in the coordination ledger', async () => {
    const ballots = ['cto', 'lead', 'pm'].map((stakeholderId) => ({ stakeholderId, ranking: ['llama', 'gpt-4', 'claude'] }));
    const reply = await requestJson<Reply & { recorded: { key: string; index: number } }>(suite.nc, suite.subjects.request('decision', 'make'), seedRequest({ ballots }), { timeoutMs: 15_000 });
    expect(reply.recorded).toMatchObject({ committed: true, used: 'raft', key: `decision/decision-1/${reply.decisionId}` });
    const record = await requestJson<{ value: string }>(suite.nc, suite.subjects.request('consensus', 'read'), { key: reply.recorded.key });
    expect(JSON.parse(record.value)).toMatchObject({ outcome: 'decided', winner: 'llama', confidence: reply.confidence });
  });
});
