import { encodeRecord, readRecord, type LogRecord } from './record-codec';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('record codec', () => {
  const records: LogRecord[] = [
    {
      kind: 'entries',
      entries: [
        { index: 2 ** 40, term: 7, type: 'normal', data: bytes('put k v') },
        { index: 2 ** 40 + 1, term: 7, type: 'confChange', data: new Uint8Array(0) },
      ],
    },
    { kind: 'hardState', hardState: { term: 3, vote: 'réplica-b', commit: 9 } },
    { kind: 'hardState', hardState: { term: 0, vote: null, commit: 0 } },
    { kind: 'truncate', index: 12 },
    {
      kind: 'snapshotMeta',
      metadata: { index: 5, term: 2, confState: { voters: ['a', 'b'] } },
      dataLength: 10,
      dataCrc: 0xdeadbeef,
    },
    {
      kind: 'snapshotData',
      snapshot: { metadata: { index: 5, term: 2, confState: { voters: [] } }, data: bytes('state') },
    },
  ];

  it.each(records.map((r) => [r.kind, r] as const))('round-trips a %s record', (_kind, record) => {
    const buf = encodeRecord(record);
    expect(readRecord(buf, 0)).toEqual({ ok: true, record, next: buf.length });
  });

  it('detects a flipped bit in the length prefix', () => {
    const buf = Buffer.concat([encodeRecord(records[3]), encodeRecord(records[3])]);
    buf[0] ^= 0x01;
    expect(readRecord(buf, 0)).toMatchObject({ ok: false, reason: 'checksum mismatch' });
  });

  it('reports a record cut short by the end of the buffer', () => {
    const buf = encodeRecord(records[1]);
    expect(readRecord(buf.subarray(0, buf.length - 1), 0)).toMatchObject({ ok: false });
    expect(readRecord(buf.subarray(0, 5), 0)).toEqual({ ok: false, reason: 'record header cut short' });
  });
});
