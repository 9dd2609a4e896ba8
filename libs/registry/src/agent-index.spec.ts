import { AgentIndex } from './agent-index';
import { findCandidates } from './matching';
import { agent, capability, needs, NOW, seedTask } from './test-fixtures';

const ids = (xs: { agent: { id: string } }[]) => xs.map((c) => c.agent.id).sort();

describe('AgentIndex', () => {
  it('looks agents up by capability id, and forgets removed ones', () => {
    const index = new AgentIndex();
    index.upsert(agent('a1', [capability('ocr'), capability('nlp')]));
    index.upsert(agent('a2', [capability('ocr')]));
    expect(index.size).toBe(2);
    expect(
      index
        .offering('ocr')
        .map((a) => a.id)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect(index.countOffering('nlp')).toBe(1);
    expect(index.remove('a1')).toBe(true);
    expect(index.remove('a1')).toBe(false);
    expect(index.has('a1')).toBe(false);
    expect(index.offering('nlp')).toEqual([]);
    expect(index.countOffering('ocr')).toBe(1);
  });

  it('upserting the same id replaces the record and its capabilities', () => {
    const index = new AgentIndex();
    index.upsert(agent('a1', [capability('ocr')]));
    index.upsert(agent('a1', [capability('nlp'), capability('nlp', '2.0')]));
    expect(index.size).toBe(1);
    expect(index.countOffering('ocr')).toBe(0);
    expect(index.countOffering('nlp')).toBe(1);
    expect(index.get('a1')?.capabilities).toHaveLength(2);
  });

  it('unindexes by the capabilities held at upsert, even if the record was changed in place', () => {
    const index = new AgentIndex();
    const record = agent('a1', [capability('ocr')]);
    index.upsert(record);
    record.capabilities = [capability('nlp')];
    index.upsert(record);
    expect(index.countOffering('ocr')).toBe(0);
    expect(index.countOffering('nlp')).toBe(1);
  });

  it('reads state and load at query time', () => {
    const index = new AgentIndex();
    const record = agent('a1', [capability('ocr')]);
    index.upsert(record);
    expect(index.findCandidates(needs('t', 'ocr'), NOW).outcome).toBe('found');
    record.currentLoad = record.maxLoad;
    expect(index.findCandidates(needs('t', 'ocr'), NOW).outcome).toBe('capacity_exceeded');
  });

  it('answers like a full scan: candidates, counts and the missing capability', () => {
    const agents = [
      agent('ab', [capability('a'), capability('b', '1.3')]),
      agent('a-alt', [capability('a'), capability('b-alt')]),
      agent('b-full', [capability('a'), capability('b')], { state: 'busy' }),
      agent('c', [capability('c')]),
      agent('b-old', [capability('a'), capability('b', '0.9')]),
    ];
    const index = new AgentIndex();
    agents.forEach((a) => index.upsert(a));
    const tasks = [
      seedTask({
        requiredCapabilities: [
          { capabilityId: 'a' },
          { capabilityId: 'b', version: '1.0', alternatives: ['b-alt'] },
        ],
      }),
      needs('t2', 'a', 'c'),
      needs('t3', 'zzz'),
      needs('t4', 'b'),
      needs('t5'),
    ];
    for (const task of tasks) {
      const scan = findCandidates(task, agents, NOW);
      const indexed = index.findCandidates(task, NOW);
      expect({ ...indexed, candidates: ids(indexed.candidates) }).toEqual({
        ...scan,
        candidates: ids(scan.candidates),
      });
    }
  });
});
