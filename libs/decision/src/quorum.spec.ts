import { checkQuorum } from './quorum';

const people = [
  { id: 'a', role: 'engineer', expertise: { domains: { ai: 0.9 } } },
  { id: 'b', role: 'user', expertise: { domains: { ai: 0.3 } } },
  { id: 'c', role: 'user' },
  { id: 'd', role: 'executive' },
];

describe('quorum', () => {
  it('is met when every requirement holds', () => {
    const report = checkQuorum(
      { minimum: 2, percentage: 0.5, stakeholderTypes: ['engineer', 'user'], expertiseThreshold: 0.6 },
      people,
      people.slice(0, 2),
      ['ai'],
    );
    expect(report).toMatchObject({
      met: true,
      voters: 2,
      participation: 0.5,
      rolesPresent: ['engineer', 'user'],
      meanExpertise: 0.6,
      missing: [],
    });
  });

  it('reads a percentage above 1 as percent', () => {
    const report = checkQuorum({ percentage: 75 }, people, people.slice(0, 2), []);
    expect(report.missing).toEqual([
      expect.objectContaining({ requirement: 'percentage', required: 0.75, actual: 0.5 }),
    ]);
  });

  it('names the missing role and the expertise shortfall', () => {
    const report = checkQuorum(
      { stakeholderTypes: ['executive'], expertiseThreshold: 0.5 },
      people,
      people.slice(1, 3),
      ['ai'],
    );
    expect(report.missing.map((m) => m.message)).toEqual([
      'no vote from: executive',
      "voters' mean expertise in ai is 0.15, below 0.5",
    ]);
  });
});
