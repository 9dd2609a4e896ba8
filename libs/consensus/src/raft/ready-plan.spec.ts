import { planReady } from './ready-plan';
import type { Entry, Ready } from './types';

const e = (index: number, term = 1): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });
const ready = (over: Partial<Ready>): Ready => ({
  entries: [],
  committedEntries: [],
  messages: [],
  readStates: [],
  mustSync: false,
  hardStateSync: false,
  ...over,
});
const durable = (lastIndex: number, term = 1) => ({
  lastIndex,
  term: (i: number) => (i <= lastIndex ? term : undefined),
});
const kinds = (rd: Ready, d = durable(0)) => planReady(rd, d).map((s) => s.kind);
const msg = { type: 'appendEntriesResponse' as const, from: 'b', to: 'a', term: 1, index: 3 };
const append = {
  type: 'appendEntries' as const,
  from: 'a',
  to: 'b',
  term: 1,
  index: 2,
  logTerm: 1,
  commit: 2,
};
const vote = { type: 'requestVote' as const, from: 'a', to: 'b', term: 2, index: 2, logTerm: 1 };

describe('planReady: the one Ready loop', () => {
  it('persists before sending, and applies after sending what is not yet durable here (Raft §5, Figure 2)', () => {
    const rd = ready({ entries: [e(3)], committedEntries: [e(3)], messages: [msg], mustSync: true });
    expect(kinds(rd, durable(2))).toEqual(['persist', 'send', 'apply', 'finish']);
  });

  it('applies committed entries already durable here before writing new ones and sending', () => {
    const rd = ready({ entries: [e(4), e(5)], committedEntries: [e(2), e(3)], messages: [msg] });
    expect(kinds(rd, durable(3))).toEqual(['apply', 'persist', 'send', 'finish']);
  });

  it('does not apply first when the durable entry has another term (it is about to be overwritten)', () => {
    const rd = ready({ committedEntries: [e(3, 2)], messages: [msg] });
    expect(kinds(rd, durable(3, 1))).toEqual(['send', 'apply', 'finish']);
  });

  it("sends the leader's appends before its own write, and everything else after (thesis §10.2.1)", () => {
    const rd = ready({ entries: [e(3)], messages: [append, msg], mustSync: true });
    const steps = planReady(rd, durable(2));
    expect(steps.map((s) => s.kind)).toEqual(['send', 'persist', 'send', 'finish']);
    expect(steps[0]).toEqual({ kind: 'send', messages: [append], beforePersist: true });
    expect(steps[2]).toEqual({ kind: 'send', messages: [msg], beforePersist: false });
  });

  it('sends nothing before a term or vote change is durable, not even appends', () => {
    const hardState = { term: 2, vote: 'a', commit: 2 };
    const rd = ready({
      entries: [e(3)],
      hardState,
      messages: [append, vote],
      mustSync: true,
      hardStateSync: true,
    });
    expect(kinds(rd, durable(2))).toEqual(['persist', 'send', 'finish']);
  });

  it('asks for a sync only when entries, term or vote changed', () => {
    const commitOnly = ready({ hardState: { term: 1, vote: 'a', commit: 3 } });
    expect(planReady(commitOnly, durable(3))).toContainEqual(
      expect.objectContaining({ kind: 'persist', sync: false }),
    );
  });

  it('restores a snapshot after persisting it and before applying what follows', () => {
    const snapshot = {
      metadata: { index: 9, term: 2, confState: { voters: ['a'] } },
      data: new Uint8Array(0),
    };
    const rd = ready({ snapshot, committedEntries: [], messages: [msg] });
    expect(kinds(rd, durable(20))).toEqual(['persist', 'send', 'restore', 'finish']);
  });
});
