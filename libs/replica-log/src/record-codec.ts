// Record framing shared by the log file and the snapshot file:
//   u32 LE payload length | u32 LE CRC-32 of (length bytes + payload) | payload (u8 record type, body)
// Integers are little-endian; u64 values must stay below 2^53.
import type { Entry, HardState, Snapshot, SnapshotMetadata } from '@ossa/consensus';
import { crc32, crc32Update } from './crc32';

export const FRAME_BYTES = 8;
/** Larger lengths are treated as damage rather than trusted. */
export const MAX_PAYLOAD_BYTES = 1 << 30;
export const LOG_MAGIC = Buffer.from('ORLG\x01\x00\x00\x00', 'latin1');
export const SNAPSHOT_MAGIC = Buffer.from('ORSN\x01\x00\x00\x00', 'latin1');

const ENTRIES = 1;
const HARD_STATE = 2;
const SNAPSHOT_META = 3;
const TRUNCATE = 4;
const SNAPSHOT_DATA = 5;

export type LogRecord =
  | { kind: 'entries'; entries: Entry[] }
  | { kind: 'hardState'; hardState: HardState }
  /** In the log: which snapshot the snapshot file must hold; its bytes live in the snapshot file. */
  | { kind: 'snapshotMeta'; metadata: SnapshotMetadata; dataLength: number; dataCrc: number }
  /** Entries from index on are gone (a conflicting suffix); the entries record that follows replaces them. */
  | { kind: 'truncate'; index: number }
  /** The whole snapshot, the only record of a snapshot file. */
  | { kind: 'snapshotData'; snapshot: Snapshot };

export type ReadResult =
  | { ok: true; record: LogRecord; next: number }
  | {
      ok: false;
      reason: string;
      /** where the damaged record would end, if its length was believable */ end?: number;
    };

export function encodeRecord(record: LogRecord): Buffer {
  const w = new Writer(payloadSize(record));
  switch (record.kind) {
    case 'entries':
      w.u8(ENTRIES);
      w.u64(record.entries[0]?.index ?? 0);
      w.u32(record.entries.length);
      for (const e of record.entries) {
        w.u64(e.term);
        w.u8(e.type === 'confChange' ? 1 : 0);
        w.bytes32(e.data);
      }
      break;
    case 'hardState':
      w.u8(HARD_STATE);
      w.u64(record.hardState.term);
      w.u64(record.hardState.commit);
      w.optionalString(record.hardState.vote);
      break;
    case 'snapshotMeta':
      w.u8(SNAPSHOT_META);
      w.metadata(record.metadata, record.dataLength, record.dataCrc);
      break;
    case 'truncate':
      w.u8(TRUNCATE);
      w.u64(record.index);
      break;
    case 'snapshotData':
      w.u8(SNAPSHOT_DATA);
      w.metadata(record.snapshot.metadata, record.snapshot.data.length, crc32(record.snapshot.data));
      w.raw(record.snapshot.data);
      break;
  }
  return frame(w.done());
}

export function readRecord(buf: Buffer, offset: number): ReadResult {
  if (buf.length - offset < FRAME_BYTES) return { ok: false, reason: 'record header cut short' };
  const length = buf.readUInt32LE(offset);
  const end = offset + FRAME_BYTES + length;
  if (length === 0 || length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `implausible record length ${length}` };
  if (end > buf.length)
    return { ok: false, reason: `record of ${length} bytes runs past the end of the file` };
  const payload = buf.subarray(offset + FRAME_BYTES, end);
  const expected = crc32Update(crc32(buf.subarray(offset, offset + 4)), payload);
  if (expected !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'checksum mismatch', end };
  try {
    return { ok: true, record: decodePayload(new Reader(payload)), next: end };
  } catch (err) {
    return { ok: false, reason: `undecodable record: ${(err as Error).message}`, end };
  }
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  payload.copy(out, FRAME_BYTES);
  out.writeUInt32LE(crc32Update(crc32(out.subarray(0, 4)), payload), 4);
  return out;
}

function decodePayload(r: Reader): LogRecord {
  const type = r.u8();
  let record: LogRecord;
  switch (type) {
    case ENTRIES: {
      const first = r.u64();
      const count = r.u32();
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) {
        const term = r.u64();
        const kind = r.u8();
        if (kind > 1) throw new Error(`entry type ${kind}`);
        entries.push({
          index: first + i,
          term,
          type: kind === 1 ? 'confChange' : 'normal',
          data: r.bytes32(),
        });
      }
      record = { kind: 'entries', entries };
      break;
    }
    case HARD_STATE:
      record = { kind: 'hardState', hardState: { term: r.u64(), commit: r.u64(), vote: r.optionalString() } };
      break;
    case SNAPSHOT_META:
      record = { kind: 'snapshotMeta', ...r.metadata() };
      break;
    case TRUNCATE:
      record = { kind: 'truncate', index: r.u64() };
      break;
    case SNAPSHOT_DATA: {
      const { metadata, dataLength, dataCrc } = r.metadata();
      const data = r.raw(dataLength);
      if (crc32(data) !== dataCrc) throw new Error('snapshot data checksum mismatch');
      record = { kind: 'snapshotData', snapshot: { metadata, data } };
      break;
    }
    default:
      throw new Error(`unknown record type ${type}`);
  }
  if (!r.atEnd()) throw new Error('trailing bytes in record');
  return record;
}

function payloadSize(record: LogRecord): number {
  switch (record.kind) {
    case 'entries':
      return 1 + 8 + 4 + record.entries.reduce((n, e) => n + 8 + 1 + 4 + e.data.length, 0);
    case 'hardState':
      return 1 + 8 + 8 + stringSize(record.hardState.vote);
    case 'snapshotMeta':
      return 1 + metadataSize(record.metadata);
    case 'truncate':
      return 1 + 8;
    case 'snapshotData':
      return 1 + metadataSize(record.snapshot.metadata) + record.snapshot.data.length;
  }
}

const stringSize = (s: string | null) => 2 + (s === null ? 0 : Buffer.byteLength(s));
const metadataSize = (m: SnapshotMetadata) =>
  8 + 8 + 4 + 4 + 2 + m.confState.voters.reduce((n, v) => n + stringSize(v), 0);

class Writer {
  private readonly buf: Buffer;
  private at = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  u8(n: number): void {
    this.at = this.buf.writeUInt8(n, this.at);
  }
  u16(n: number): void {
    this.at = this.buf.writeUInt16LE(n, this.at);
  }
  u32(n: number): void {
    this.at = this.buf.writeUInt32LE(n, this.at);
  }
  u64(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a stored integer: ${n}`);
    this.u32(n % 2 ** 32);
    this.u32(Math.floor(n / 2 ** 32));
  }
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }
  bytes32(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.raw(bytes);
  }
  /** u16 byte length (0xFFFF for null), then UTF-8. */
  optionalString(s: string | null): void {
    if (s === null) return this.u16(0xffff);
    const bytes = Buffer.from(s);
    if (bytes.length >= 0xffff) throw new RangeError('string too long to store');
    this.u16(bytes.length);
    this.raw(bytes);
  }
  metadata(m: SnapshotMetadata, dataLength: number, dataCrc: number): void {
    this.u64(m.index);
    this.u64(m.term);
    this.u32(dataLength);
    this.u32(dataCrc);
    this.u16(m.confState.voters.length);
    for (const v of m.confState.voters) this.optionalString(v);
  }
  done(): Buffer {
    return this.buf;
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('record body cut short');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    const v = hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(v)) throw new Error('integer out of range');
    return v;
  }
  raw(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  bytes32(): Uint8Array {
    return this.raw(this.u32());
  }
  optionalString(): string | null {
    const n = this.u16();
    if (n === 0xffff) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  metadata(): { metadata: SnapshotMetadata; dataLength: number; dataCrc: number } {
    const index = this.u64();
    const term = this.u64();
    const dataLength = this.u32();
    const dataCrc = this.u32();
    const voters: string[] = [];
    for (let i = this.u16(); i > 0; i--) {
      const v = this.optionalString();
      if (v === null) throw new Error('null voter id');
      voters.push(v);
    }
    return { metadata: { index, term, confState: { voters } }, dataLength, dataCrc };
  }
  atEnd(): boolean {
    return this.at === this.buf.length;
  }
}
