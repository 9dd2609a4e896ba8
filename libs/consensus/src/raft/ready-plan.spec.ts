import { planReady } from './ready-plan';
import type { Entry, Ready } from './types';

const e = (index: number, term = 1): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });
const ready = (over: Partial<Ready>): Ready => ({
  entries: [],
  committedEntries: [],
  messages: [],
  readStates: [],
  mustSync: false,
  ...over,
});
const durable = (lastIndex: number, term = 1) => ({
  lastIndex,
  term: (i: number) => (i <= lastIndex ? term : undefined),
});
const kinds = (rd: Ready, d = durable(0)) => planReady(rd, d).map((s) => s.kind);
const msg = { type: 'heartbeat' as const, from: 'a', to: 'b', term: 1 };

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

  it('restores a snapshot after persisting it and before applying what follows', () => {
    const snapshot = {
      metadata: { index: 9, term: 2, confState: { voters: ['a'] } },
      data: new Uint8Array(0),
    };
    const rd = ready({ snapshot, committedEntries: [], messages: [msg] });
    expect(kinds(rd, durable(20))).toEqual(['persist', 'send', 'restore', 'finish']);
  });
});
