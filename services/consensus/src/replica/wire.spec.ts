import { checkPeerMessage, type Message } from '@ossa/consensus';
import {
  BINARY_MAGIC,
  decodeFragmentAck,
  encodeFragmentAck,
  decodeMessage,
  encodeMessage,
  encodeMessageJson,
  frameMessage,
  Reassembler,
} from './wire';

const bytes = (n: number) => new Uint8Array(n).map((_, i) => i % 251);

describe('peer wire: decoding never throws', () => {
  it.each([
    ['garbage bytes', new Uint8Array([0xff, 0xfe, 0x00, 0x01])],
    ['truncated JSON', Buffer.from('{"type":"heartbeat",')],
    ['an empty frame', new Uint8Array(0)],
  ])('reports %s as undecodable', (_label, input) => {
    expect(decodeMessage(input)).toMatchObject({ ok: false });
  });

  it('turns valid base64 payloads into bytes and leaves anything else for the check to reject', () => {
    const m = {
      type: 'appendEntries',
      from: 'a',
      to: 'b',
      term: 1,
      index: 0,
      logTerm: 0,
      commit: 0,
      entries: [{ index: 1, term: 1, type: 'normal', data: 'not base64!' }],
    };
    const decoded = decodeMessage(Buffer.from(JSON.stringify(m)));
    expect(decoded.ok && (decoded.candidate as { entries: { data: unknown }[] }).entries[0].data).toBe(
      'not base64!',
    );
    const round = decodeMessage(
      encodeMessageJson({
        ...m,
        type: 'appendEntries',
        entries: [{ index: 1, term: 1, type: 'normal', data: bytes(10) }],
      }),
    );
    expect(round.ok && (round.candidate as { entries: { data: unknown }[] }).entries[0].data).toEqual(
      bytes(10),
    );
  });
});

describe('peer wire: the binary form', () => {
  const ctx = { self: 'b', peers: new Set(['a']) };
  const messages: Message[] = [
    {
      type: 'appendEntries',
      from: 'a',
      to: 'b',
      term: 3,
      index: 7,
      logTerm: 2,
      commit: 6,
      entries: [
        { index: 8, term: 3, type: 'normal', data: bytes(300) },
        { index: 9, term: 3, type: 'confChange', data: bytes(0) },
      ],
    },
    {
      type: 'appendEntriesResponse',
      from: 'a',
      to: 'b',
      term: 3,
      index: 4,
      reject: true,
      rejectHint: 2,
      logTerm: 1,
    },
    { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 5, context: 'r1#17' },
    { type: 'requestPreVoteResponse', from: 'a', to: 'b', term: 4, reject: false },
    {
      type: 'installSnapshot',
      from: 'a',
      to: 'b',
      term: 3,
      snapshot: {
        metadata: { index: 40, term: 2, confState: { voters: ['a', 'b', 'c'] } },
        data: bytes(1000),
      },
    },
  ];

  it.each(messages.map((m) => [m.type, m] as const))('carries every field of %s unchanged', (_t, m) => {
    const encoded = encodeMessage(m);
    expect(encoded[0]).toBe(BINARY_MAGIC);
    const decoded = decodeMessage(encoded);
    expect(decoded.ok && checkPeerMessage(decoded.candidate, ctx)).toEqual({ ok: true, message: m });
  });

  it('is smaller than JSON with base64 for entries', () => {
    expect(encodeMessage(messages[0]).length).toBeLessThan(encodeMessageJson(messages[0]).length);
  });

  it('hands forged numbers to the check as sent, which drops them', () => {
    for (const term of [1e300, Number.MAX_SAFE_INTEGER + 2, -1, 1.5, NaN]) {
      const decoded = decodeMessage(
        encodeMessage({ type: 'heartbeat', from: 'a', to: 'b', term, commit: 0 }),
      );
      expect(decoded.ok && checkPeerMessage(decoded.candidate, ctx)).toMatchObject({
        ok: false,
        reason: 'range',
      });
    }
    const badType = Buffer.from(encodeMessage(messages[2]));
    badType[1] = 200;
    const decoded = decodeMessage(badType);
    expect(decoded.ok && checkPeerMessage(decoded.candidate, ctx)).toMatchObject({
      ok: false,
      reason: 'shape',
    });
  });

  it('reports every truncation and trailing bytes as undecodable, never throwing', () => {
    for (const m of messages) {
      const whole = encodeMessage(m);
      for (let cut = 1; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / 50)))
        expect(decodeMessage(whole.subarray(0, cut))).toMatchObject({ ok: false });
      expect(decodeMessage(Buffer.concat([whole, Buffer.from([0])]))).toMatchObject({ ok: false });
    }
  });

  it('survives random bytes after the magic byte', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed & 0xff);
    for (let i = 0; i < 2000; i++) {
      const junk = Uint8Array.from({ length: 1 + (i % 90) }, next);
      junk[0] = BINARY_MAGIC;
      const decoded = decodeMessage(junk);
      if (decoded.ok) expect(checkPeerMessage(decoded.candidate, ctx).ok).toBe(false);
    }
  });

  it('refuses an entry count the frame cannot hold before allocating for it', () => {
    const forged = Buffer.from(encodeMessage({ ...messages[0], entries: [] } as Message));
    forged.writeUInt32BE(0xffffffff, forged.length - 4);
    expect(decodeMessage(forged)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('entry count'),
    });
  });
});

describe('peer wire: fragments', () => {
  it('splits a message over the frame limit and puts it back together', () => {
    const whole = bytes(300_000);
    const frames = frameMessage(whole, 'r1', 7, 64 * 1024);
    expect(frames.length).toBe(5);
    expect(Math.max(...frames.map((f) => f.length))).toBeLessThanOrEqual(64 * 1024);
    const r = new Reassembler((id) => id === 'r1', 1 << 20);
    const results = frames.map((f) => r.accept(f));
    expect(results.slice(0, -1).every((x) => x.kind === 'partial')).toBe(true);
    const last = results[results.length - 1];
    expect(last.kind === 'whole' && Buffer.compare(Buffer.from(last.bytes), Buffer.from(whole))).toBe(0);
  });

  it('drops fragments out of order, from non-peers, and assemblies over the byte bound', () => {
    const frames = frameMessage(bytes(200_000), 'r1', 1, 64 * 1024);
    const r = new Reassembler((id) => id === 'r1', 1 << 20);
    expect(r.accept(frames[0]).kind).toBe('partial');
    expect(r.accept(frames[2])).toMatchObject({ kind: 'drop', reason: 'undecodable' });
    expect(new Reassembler(() => false, 1 << 20).accept(frames[0])).toMatchObject({
      kind: 'drop',
      reason: 'unknown_sender',
    });
    const small = new Reassembler((id) => id === 'r1', 100_000);
    expect(small.accept(frames[0]).kind).toBe('partial');
    expect(small.accept(frames[1])).toMatchObject({ kind: 'drop', reason: 'oversize' });
  });

  it('names each accepted fragment so the receiver can acknowledge it, and acks decode strictly', () => {
    const frames = frameMessage(bytes(150_000), 'r1', 9, 64 * 1024);
    const r = new Reassembler((id) => id === 'r1', 1 << 20);
    expect(frames.map((f) => r.accept(f)).map((x) => x.kind !== 'drop' && x.fragment)).toEqual([
      { sender: 'r1', id: 9, seq: 0 },
      { sender: 'r1', id: 9, seq: 1 },
      { sender: 'r1', id: 9, seq: 2 },
    ]);
    const ack = encodeFragmentAck('r2', 9, 2);
    expect(decodeFragmentAck(ack)).toEqual({ ok: true, from: 'r2', messageId: 9, seq: 2 });
    expect(decodeFragmentAck(ack.subarray(0, 5))).toMatchObject({ ok: false });
    expect(decodeFragmentAck(Buffer.concat([ack, Buffer.from('x')]))).toMatchObject({ ok: false });
  });

  it('leaves a message that fits as one frame, unchanged', () => {
    const whole = encodeMessage({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0 });
    expect(frameMessage(whole, 'a', 1, 1024)).toEqual([whole]);
  });
});
