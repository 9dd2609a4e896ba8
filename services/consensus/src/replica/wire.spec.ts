import { decodeMessage, encodeMessage, frameMessage, Reassembler } from './wire';

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
      encodeMessage({
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

  it('leaves a message that fits as one frame, unchanged', () => {
    const whole = encodeMessage({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0 });
    expect(frameMessage(whole, 'a', 1, 1024)).toEqual([whole]);
  });
});
