import { OssaError, type BallotDto } from '@ossa/contracts';
import { assertBallotsProven } from './ballot-proof';

const ballots = (...ids: string[]): BallotDto[] =>
  ids.map((stakeholderId) => ({ stakeholderId, ranking: ['a', 'b'] }));

function refusal(run: () => void): OssaError {
  try {
    run();
  } catch (err) {
    if (err instanceof OssaError) return err;
    throw err;
  }
  throw new Error('expected UNAUTHORIZED');
}

describe('inline ballots count only on their stakeholder word', () => {
  it('accepts them on a plain subject (services and admins only, in secure mode) and from a service or admin', () => {
    expect(() => assertBallotsProven(undefined, ballots('cto', 'pm'))).not.toThrow();
    expect(() => assertBallotsProven({ kind: 'admin', id: 'root' }, ballots('cto'))).not.toThrow();
    expect(() => assertBallotsProven({ kind: 'client', id: 'c1' }, undefined)).not.toThrow();
    expect(() => assertBallotsProven({ kind: 'client', id: 'c1' }, [])).not.toThrow();
  });

  it('refuses every ballot a client casts, naming each one', () => {
    const err = refusal(() => assertBallotsProven({ kind: 'client', id: 'c1' }, ballots('cto', 'pm')));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toBe(
      'client c1 may not cast ballots for cto, pm: stakeholders vote for themselves (collection)',
    );
    expect(err.details.map((d) => [d.field, d.value])).toEqual([
      ['ballots[0]', 'cto'],
      ['ballots[1]', 'pm'],
    ]);
  });

  it("lets an agent cast its own ballot and no one else's", () => {
    expect(() => assertBallotsProven({ kind: 'agent', id: 'cto' }, ballots('cto'))).not.toThrow();
    const err = refusal(() => assertBallotsProven({ kind: 'agent', id: 'cto' }, ballots('cto', 'pm')));
    expect(err.details).toEqual([expect.objectContaining({ field: 'ballots[1]', value: 'pm' })]);
  });

  it('names at most 20 refused ballots and counts the rest', () => {
    const many = Array.from({ length: 25 }, (_, i) => `s${i}`);
    const err = refusal(() => assertBallotsProven({ kind: 'client', id: 'c1' }, ballots(...many)));
    expect(err.details).toHaveLength(20);
    expect(err.message).toContain('s19 and 5 more');
  });
});
