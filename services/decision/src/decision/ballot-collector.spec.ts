import { Test } from '@nestjs/testing';
import { BALLOT_COLLECTION_LIMITS, OssaError, validateDto, DecisionRequestDto } from '@ossa/contracts';
import { BallotCollector } from './ballot-collector';
import { StakeholderGateway, type BallotAnswer } from './stakeholder.gateway';

/** A gateway that answers each stakeholder from a script, and counts invitations and flushes. */
class FakeStakeholderGateway {
  readonly asked: string[] = [];
  flushes = 0;
  constructor(private readonly script: (id: string) => BallotAnswer) {}
  async askBallot(stakeholderId: string): Promise<BallotAnswer> {
    this.asked.push(stakeholderId);
    return this.script(stakeholderId);
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
}

async function collectorWith(gateway: FakeStakeholderGateway): Promise<BallotCollector> {
  const module = await Test.createTestingModule({ providers: [BallotCollector, { provide: StakeholderGateway, useValue: gateway }] }).compile();
  return module.get(BallotCollector);
}

function request(stakeholders: string[], extra: Record<string, unknown> = {}): DecisionRequestDto {
  return validateDto(DecisionRequestDto, {
    id: 'd1',
    title: 'Pick a model',
    votingSystem: 'plurality',
    alternatives: [
      { id: 'a', name: 'A', attributes: [] },
      { id: 'b', name: 'B', attributes: [] },
    ],
    criteria: [],
    stakeholders: stakeholders.map((id) => ({ id })),
    collection: { windowMs: 1000 },
    ...extra,
  });
}

describe('BallotCollector (with a fake stakeholder gateway)', () => {
  it('sorts every answer into the report: ballots, declines, silence, absence, unreadable and invalid ballots', async () => {
    const answers: Record<string, BallotAnswer> = {
      s1: { kind: 'reply', body: { ranking: ['a', 'b'] } },
      s2: { kind: 'reply', body: { decline: true } },
      s3: { kind: 'silent' },
      s4: { kind: 'absent' },
      s5: { kind: 'unreadable', reason: 'not JSON' },
      s6: { kind: 'reply', body: { ranking: 'a' } },
      s7: { kind: 'reply', body: [1, 2] },
    };
    const gateway = new FakeStakeholderGateway((id) => answers[id]);
    const collector = await collectorWith(gateway);
    const { ballots, report } = await collector.collect('x', request([...Object.keys(answers), 'bad id!']), 1000);
    expect(ballots.map((b) => b.stakeholderId)).toEqual(['s1']);
    expect(report).toMatchObject({ received: ['s1'], declined: ['s2'], silent: ['s3'], absent: ['s4'], unreachable: ['bad id!'], unasked: [] });
    expect(report.rejected.map((r) => r.stakeholderId).sort()).toEqual(['s5', 's6', 's7']);
    expect(gateway.asked).not.toContain('bad id!');
  });

  it('does not ask stakeholders whose ballot is in the request', async () => {
    const gateway = new FakeStakeholderGateway(() => ({ kind: 'reply', body: { ranking: ['b', 'a'] } }));
    const collector = await collectorWith(gateway);
    await collector.collect('x', request(['s1', 's2'], { ballots: [{ stakeholderId: 's1', ranking: ['a', 'b'] }] }), 1000);
    expect(gateway.asked).toEqual(['s2']);
  });

  it('sends invitations in batches, waiting for the server to take each one', async () => {
    const ids = Array.from({ length: BALLOT_COLLECTION_LIMITS.batch * 2 + 1 }, (_, i) => `s${i}`);
    const gateway = new FakeStakeholderGateway(() => ({ kind: 'silent' }));
    const collector = await collectorWith(gateway);
    const { report } = await collector.collect('x', request(ids), 1000);
    expect(report.asked).toHaveLength(ids.length);
    expect(gateway.flushes).toBe(3);
  });

  it('refuses a collection over the stakeholder limit before asking anyone', async () => {
    const ids = Array.from({ length: BALLOT_COLLECTION_LIMITS.stakeholders + 1 }, (_, i) => `s${i}`);
    const gateway = new FakeStakeholderGateway(() => ({ kind: 'silent' }));
    const collector = await collectorWith(gateway);
    const refused = await collector.collect('x', request(ids), 1000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OssaError);
    expect((refused as OssaError).details.map((d) => d.field)).toContain('stakeholders');
    expect(gateway.asked).toHaveLength(0);
  });
});
