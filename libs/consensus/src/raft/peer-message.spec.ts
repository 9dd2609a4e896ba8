import { checkPeerMessage, type PeerCheck } from './peer-message';

const ctx = { self: 'a', peers: new Set(['a', 'b', 'c']) };
const bytes = (s: string) => new TextEncoder().encode(s);
const heartbeat = { type: 'heartbeat', from: 'b', to: 'a', term: 3, commit: 2 };
const append = {
  type: 'appendEntries',
  from: 'b',
  to: 'a',
  term: 3,
  index: 4,
  logTerm: 2,
  commit: 4,
  entries: [
    { index: 5, term: 2, type: 'normal', data: bytes('x') },
    { index: 6, term: 3, type: 'normal', data: bytes('y') },
  ],
};
const reason = (c: PeerCheck) => (c.ok ? 'accepted' : c.reason);

describe('checkPeerMessage: peer traffic is checked before it reaches the core', () => {
  it('accepts well-formed messages from a configured peer addressed to this replica', () => {
    expect(checkPeerMessage(heartbeat, ctx)).toEqual({ ok: true, message: heartbeat });
    expect(reason(checkPeerMessage(append, ctx))).toBe('accepted');
    const snap = {
      type: 'installSnapshot',
      from: 'c',
      to: 'a',
      term: 5,
      snapshot: {
        metadata: { index: 9, term: 4, confState: { voters: ['a', 'b', 'c'] } },
        data: bytes('{}'),
      },
    };
    expect(reason(checkPeerMessage(snap, ctx))).toBe('accepted');
  });

  it('drops a sender that is not a configured peer, and messages meant for another replica', () => {
    expect(reason(checkPeerMessage({ ...heartbeat, from: 'intruder' }, ctx))).toBe('unknown_sender');
    expect(reason(checkPeerMessage({ ...heartbeat, from: 'a' }, ctx))).toBe('unknown_sender');
    expect(reason(checkPeerMessage({ ...heartbeat, to: 'c' }, ctx))).toBe('wrong_recipient');
  });

  it('drops a message whose from is not the replica the subject proves sent it', () => {
    expect(reason(checkPeerMessage(heartbeat, { ...ctx, sender: 'b' }))).toBe('accepted');
    const forged = checkPeerMessage(heartbeat, { ...ctx, sender: 'c' });
    expect(forged).toEqual({ ok: false, reason: 'forged_sender', detail: 'from b but sent by c' });
  });

  it.each([
    ['a term of 1e300', { ...heartbeat, term: 1e300 }],
    ['an unsafe integer term', { ...heartbeat, term: Number.MAX_SAFE_INTEGER + 1 }],
    ['a negative commit', { ...heartbeat, commit: -1 }],
    ['a fractional index', { ...append, index: 4.5 }],
    ['entries that skip an index', { ...append, entries: [{ ...append.entries[0], index: 6 }] }],
    ['an entry term above the message term', { ...append, entries: [{ ...append.entries[0], term: 4 }] }],
    [
      'entry terms going back',
      { ...append, entries: [append.entries[1], { ...append.entries[0], index: 6 }] },
    ],
  ])('drops %s as out of range', (_label, message) => {
    expect(reason(checkPeerMessage(message, ctx))).toBe('range');
  });

  it.each([
    ['a string', 'heartbeat'],
    ['null', null],
    ['an unknown type', { ...heartbeat, type: 'takeOver' }],
    ['a term as a string', { ...heartbeat, term: '3' }],
    ['an unknown field', { ...heartbeat, admin: true }],
    ['entries that are not an array', { ...append, entries: {} }],
    ['entry data that is not bytes', { ...append, entries: [{ ...append.entries[0], data: 'eA==' }] }],
    ['an appendEntries without prevLogIndex', { ...append, index: undefined }],
    ['a heartbeat carrying entries', { ...heartbeat, entries: [] }],
    ['a snapshot without data', { ...heartbeat, type: 'installSnapshot', snapshot: { metadata: {} } }],
    ['a replica id with spaces', { ...heartbeat, from: 'b c' }],
    ['reject as a string', { ...heartbeat, type: 'appendEntriesResponse', index: 1, reject: 'yes' }],
  ])('drops %s as the wrong shape', (_label, message) => {
    expect(reason(checkPeerMessage(message, ctx))).toBe('shape');
  });

  it('drops oversized contexts and entry lists', () => {
    expect(reason(checkPeerMessage({ ...heartbeat, context: 'x'.repeat(513) }, ctx))).toBe('oversize');
    expect(reason(checkPeerMessage(append, { ...ctx, maxEntries: 1 }))).toBe('oversize');
  });

  it('names the offending field in the detail', () => {
    const c = checkPeerMessage({ ...heartbeat, term: 1e300 }, ctx);
    expect(!c.ok && c.detail).toBe('term 1e+300 is not a safe non-negative integer');
  });
});
