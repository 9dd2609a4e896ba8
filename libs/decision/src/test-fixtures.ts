// Builders for specs: small wire-form decision requests.
import type { Ballot, DecisionAlternative, DecisionRequest, Stakeholder, VotingSystem } from './types';

export function alternative(
  id: string,
  values: Record<string, number>,
  extra: Partial<DecisionAlternative> = {},
): DecisionAlternative {
  return {
    id,
    name: id,
    attributes: Object.entries(values).map(([criterion, value]) => ({ criterion, value, confidence: 1 })),
    ...extra,
  };
}

export function request(
  overrides: Partial<DecisionRequest> & { alternatives: DecisionAlternative[] },
): DecisionRequest {
  return {
    id: 'decision-test',
    title: 'test',
    criteria: [{ criterion: 'quality', weight: 1 }],
    stakeholders: [],
    votingSystem: 'plurality',
    ...overrides,
  };
}

/** Expands blocs like [[42, ['a','b']], ...] into one stakeholder and one ranking ballot per voter. */
export function electorate(
  blocs: Array<[number, string[]]>,
  prefix = 'v',
): { stakeholders: Stakeholder[]; ballots: Ballot[] } {
  const stakeholders: Stakeholder[] = [];
  const ballots: Ballot[] = [];
  let n = 0;
  for (const [count, ranking] of blocs) {
    for (let k = 0; k < count; k++) {
      const id = `${prefix}${String(++n).padStart(3, '0')}`;
      stakeholders.push({ id, role: 'voter' });
      ballots.push({ stakeholderId: id, ranking: [...ranking] });
    }
  }
  return { stakeholders, ballots };
}

/** A request whose alternatives all score the same on the single criterion, so only the vote decides. */
export function election(
  ids: string[],
  blocs: Array<[number, string[]]>,
  votingSystem: VotingSystem,
): DecisionRequest {
  return request({
    alternatives: ids.map((id) => alternative(id, { quality: 1 })),
    votingSystem,
    ...electorate(blocs),
  });
}

export const NOW = '2026-01-05T00:00:00.000Z';
