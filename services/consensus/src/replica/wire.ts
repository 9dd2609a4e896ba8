import { MESSAGE_TYPE_LIST, type Entry, type Message, type Snapshot } from '@ossa/consensus';

// Raft messages travel between replicas in a length-prefixed binary layout (below). The JSON form with base64
// payloads that replicas used before is still decoded, so a cluster can be upgraded one replica at a time;
// only the binary form is sent.
type WireEntry = Omit<Entry, 'data'> & { data: string };
type WireSnapshot = Omit<Snapshot, 'data'> & { data: string };
type WireMessage = Omit<Message, 'entries' | 'snapshot'> & { entries?: WireEntry[]; snapshot?: WireSnapshot };

/**
 * Binary layout, all numbers big-endian:
 *   [u8 0xB1][u8 type][u8 flags][u8 |from|][from][u8 |to|][to][f64 term]
 *   flags bit 0..3: index, logTerm, commit, rejectHint present, each an f64 in that order;
 *   bit 4: reject present, then [u8 0|1]; bit 5: context present, then [u16 length][utf8];
 *   bit 6: entries, then [u32 count] and per entry [f64 index][f64 term][u8 type][u32 length][bytes];
 *   bit 7: snapshot, then [f64 index][f64 term][u16 voters] per voter [u8 length][utf8], [u32 length][bytes].
 * Numbers are float64 so that a forged value (1e300, 2^53 + 1, -1) reaches checkPeerMessage as it was sent
 * and is dropped there, never wrapped into a plausible one. A type or entry type byte out of range decodes to
 * a string the check rejects. The first byte tells the forms apart: 0xB1 binary, 0x00 fragment, '{' JSON.
 */
export const BINARY_MAGIC = 0xb1;
const NUMBER_FIELDS = ['index', 'logTerm', 'commit', 'rejectHint'] as const;
const F_REJECT = 1 << 4;
const F_CONTEXT = 1 << 5;
const F_ENTRIES = 1 << 6;
const F_SNAPSHOT = 1 << 7;
const ENTRY_HEADER = 21;
const TYPE_CODE = new Map(MESSAGE_TYPE_LIST.map((t, i) => [t, i]));

export function encodeMessage(m: Message): Uint8Array {
  const from = Buffer.from(m.from);
  const to = Buffer.from(m.to);
  const context = m.context === undefined ? undefined : Buffer.from(m.context);
  const voters = m.snapshot?.metadata.confState.voters.map((v) => Buffer.from(v)) ?? [];
  let size = 5 + from.length + to.length + 8;
  let flags = 0;
  NUMBER_FIELDS.forEach((k, i) => {
    if (m[k] === undefined) return;
    flags |= 1 << i;
    size += 8;
  });
  if (m.reject !== undefined) {
    flags |= F_REJECT;
    size += 1;
  }
  if (context) {
    flags |= F_CONTEXT;
    size += 2 + context.length;
  }
  if (m.entries) {
    flags |= F_ENTRIES;
    size += 4;
    for (const e of m.entries) size += ENTRY_HEADER + e.data.length;
  }
  if (m.snapshot) {
    flags |= F_SNAPSHOT;
    size += 16 + 2 + voters.reduce((n, v) => n + 1 + v.length, 0) + 4 + m.snapshot.data.length;
  }
  const out = Buffer.allocUnsafe(size); // every byte is written below
  let at = 0;
  out[at++] = BINARY_MAGIC;
  out[at++] = TYPE_CODE.get(m.type) ?? 0xff;
  out[at++] = flags;
  at = putId(out, at, from);
  at = putId(out, at, to);
  at = out.writeDoubleBE(m.term, at);
  for (const k of NUMBER_FIELDS) if (m[k] !== undefined) at = out.writeDoubleBE(m[k]!, at);
  if (m.reject !== undefined) out[at++] = m.reject ? 1 : 0;
  if (context) {
    at = out.writeUInt16BE(context.length, at);
    at += context.copy(out, at);
  }
  if (m.entries) {
    at = out.writeUInt32BE(m.entries.length, at);
    for (const e of m.entries) {
      at = out.writeDoubleBE(e.index, at);
      at = out.writeDoubleBE(e.term, at);
      out[at++] = e.type === 'normal' ? 0 : 1;
      at = out.writeUInt32BE(e.data.length, at);
      out.set(e.data, at);
      at += e.data.length;
    }
  }
  if (m.snapshot) {
    const { metadata, data } = m.snapshot;
    at = out.writeDoubleBE(metadata.index, at);
    at = out.writeDoubleBE(metadata.term, at);
    at = out.writeUInt16BE(voters.length, at);
    for (const v of voters) at = putId(out, at, v);
    at = out.writeUInt32BE(data.length, at);
    out.set(data, at);
  }
  return out;
}

function putId(out: Buffer, at: number, id: Buffer): number {
  if (id.length > 0xff) throw new Error(`replica id of ${id.length} bytes does not fit the peer encoding`);
  out[at] = id.length;
  id.copy(out, at + 1);
  return at + 1 + id.length;
}

/** The JSON form of earlier replicas (still decoded); used by tests and the commit-path bench. */
export function encodeMessageJson(m: Message): Uint8Array {
  const toB64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const wire: WireMessage = {
    ...m,
    entries: m.entries?.map((e) => ({ ...e, data: toB64(e.data) })),
    snapshot: m.snapshot ? { ...m.snapshot, data: toB64(m.snapshot.data) } : undefined,
  };
  return Buffer.from(JSON.stringify(wire));
}

/** Strict base64 check by a loop: a regular expression over megabytes would backtrack deeply. */
function isBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

export type Decoded = { ok: true; candidate: unknown } | { ok: false; detail: string };

/**
 * Parses bytes into a message candidate for checkPeerMessage, which sees every field as it was sent. Never
 * throws: garbage, a truncated or overlong binary message give ok false; a JSON payload that is not base64
 * stays a string, so the check rejects it.
 */
export function decodeMessage(bytes: Uint8Array): Decoded {
  if (bytes.length > 0 && bytes[0] === BINARY_MAGIC) return decodeBinary(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: true, candidate: parsed };
  const m = parsed as Record<string, unknown>;
  if (Array.isArray(m.entries)) m.entries = m.entries.map((e: unknown) => withBytes(e));
  if (m.snapshot !== undefined) m.snapshot = withBytes(m.snapshot);
  return { ok: true, candidate: m };
}

function withBytes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (typeof v.data !== 'string' || !isBase64(v.data)) return v;
  return { ...v, data: new Uint8Array(Buffer.from(v.data, 'base64')) };
}

class Truncated extends Error {}

/** A bounds-checked reader: any read past the end throws Truncated, caught by decodeBinary. */
class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): number {
    const at = this.at;
    if (n < 0 || at + n > this.buf.length) throw new Truncated(`needs ${n} bytes at offset ${at}`);
    this.at += n;
    return at;
  }
  u8(): number {
    return this.buf[this.need(1)];
  }
  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  f64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  utf8(n: number): string {
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }
  /** A copy, so a stored entry never keeps the whole received frame alive. */
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return new Uint8Array(this.buf.subarray(at, at + n));
  }
  get done(): boolean {
    return this.at === this.buf.length;
  }
}

function decodeBinary(bytes: Uint8Array): Decoded {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    r.u8();
    const code = r.u8();
    const flags = r.u8();
    const m: Record<string, unknown> = {
      type: MESSAGE_TYPE_LIST[code] ?? `#${code}`,
      from: r.utf8(r.u8()),
      to: r.utf8(r.u8()),
      term: r.f64(),
    };
    NUMBER_FIELDS.forEach((k, i) => {
      if (flags & (1 << i)) m[k] = r.f64();
    });
    if (flags & F_REJECT) {
      const b = r.u8();
      m.reject = b === 1 ? true : b === 0 ? false : b;
    }
    if (flags & F_CONTEXT) m.context = r.utf8(r.u16());
    if (flags & F_ENTRIES) {
      const count = r.u32();
      // Every entry takes at least its header: a forged count cannot make this allocate beyond the frame.
      if (count * ENTRY_HEADER > bytes.length)
        return { ok: false, detail: `entry count ${count} beyond the frame` };
      const entries: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const index = r.f64();
        const term = r.f64();
        const type = r.u8();
        entries.push({
          index,
          term,
          type: type === 0 ? 'normal' : type === 1 ? 'confChange' : `#${type}`,
          data: r.bytes(r.u32()),
        });
      }
      m.entries = entries;
    }
    if (flags & F_SNAPSHOT) {
      const index = r.f64();
      const term = r.f64();
      const voters: string[] = [];
      for (let n = r.u16(); n > 0; n--) voters.push(r.utf8(r.u8()));
      m.snapshot = { metadata: { index, term, confState: { voters } }, data: r.bytes(r.u32()) };
    }
    if (!r.done) return { ok: false, detail: `binary message has ${bytes.length - r.at} bytes past its end` };
    return { ok: true, candidate: m };
  } catch (err) {
    if (err instanceof Truncated) return { ok: false, detail: `binary message truncated: ${err.message}` };
    throw err;
  }
}

// Fragments: a message larger than the broker's max payload travels as several frames, reassembled per
// sender in order (one connection per replica keeps a publisher's order). A frame starts with a zero byte,
// which no whole message does (binary starts with 0xB1, JSON with '{'): [0][u32 message id][u16 seq][u16 count][u8 sender length][sender][bytes].
const FRAGMENT = 0;
const HEADER = 10;

/** Splits encoded bytes into frames of at most maxFrame bytes (one frame, unchanged, when it fits). */
export function frameMessage(
  bytes: Uint8Array,
  from: string,
  messageId: number,
  maxFrame: number,
): Uint8Array[] {
  if (bytes.length <= maxFrame) return [bytes];
  const sender = Buffer.from(from);
  const room = maxFrame - HEADER - sender.length;
  if (room < 1024) throw new Error(`max frame ${maxFrame} leaves no room for fragments`);
  const count = Math.ceil(bytes.length / room);
  if (count > 0xffff) throw new Error(`message of ${bytes.length} bytes needs more than 65535 fragments`);
  const frames: Uint8Array[] = [];
  for (let seq = 0; seq < count; seq++) {
    const part = bytes.subarray(seq * room, (seq + 1) * room);
    const frame = Buffer.alloc(HEADER + sender.length + part.length);
    frame[0] = FRAGMENT;
    frame.writeUInt32BE(messageId >>> 0, 1);
    frame.writeUInt16BE(seq, 5);
    frame.writeUInt16BE(count, 7);
    frame[9] = sender.length;
    sender.copy(frame, HEADER);
    frame.set(part, HEADER + sender.length);
    frames.push(frame);
  }
  return frames;
}

/**
 * The receiver's acknowledgement of one fragment, for the sender's flow control (a window of fragments in
 * flight): [1][u32 message id][u16 seq][u8 sender length][sender]. Never a whole message (those start 0xB1 or '{').
 */
export const FRAGMENT_ACK = 1;
const ACK_HEADER = 8;

export function encodeFragmentAck(from: string, messageId: number, seq: number): Uint8Array {
  const sender = Buffer.from(from);
  const frame = Buffer.alloc(ACK_HEADER + sender.length);
  frame[0] = FRAGMENT_ACK;
  frame.writeUInt32BE(messageId >>> 0, 1);
  frame.writeUInt16BE(seq, 5);
  frame[7] = sender.length;
  sender.copy(frame, ACK_HEADER);
  return frame;
}

export function decodeFragmentAck(
  frame: Uint8Array,
): { ok: true; from: string; messageId: number; seq: number } | { ok: false; detail: string } {
  if (frame.length < ACK_HEADER || frame[0] !== FRAGMENT_ACK)
    return { ok: false, detail: 'fragment ack shorter than its header' };
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (ACK_HEADER + buf[7] !== buf.length) return { ok: false, detail: 'fragment ack length mismatch' };
  return {
    ok: true,
    messageId: buf.readUInt32BE(1),
    seq: buf.readUInt16BE(5),
    from: buf.toString('utf8', ACK_HEADER),
  };
}

export type Reassembled =
  | { kind: 'whole'; bytes: Uint8Array; fragment?: { sender: string; id: number; seq: number } }
  | { kind: 'partial'; fragment: { sender: string; id: number; seq: number } }
  | { kind: 'drop'; reason: 'undecodable' | 'unknown_sender' | 'oversize'; detail: string };

/** Puts fragments back together; holds at most one message in assembly per known sender, bounded in bytes. */
export class Reassembler {
  private readonly open = new Map<
    string,
    { id: number; next: number; count: number; parts: Uint8Array[]; bytes: number }
  >();

  constructor(
    private readonly isPeer: (id: string) => boolean,
    private readonly maxMessageBytes: number,
  ) {}

  accept(frame: Uint8Array): Reassembled {
    if (frame.length === 0 || frame[0] !== FRAGMENT) return { kind: 'whole', bytes: frame };
    if (frame.length < HEADER)
      return { kind: 'drop', reason: 'undecodable', detail: 'fragment shorter than its header' };
    const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const id = buf.readUInt32BE(1);
    const seq = buf.readUInt16BE(5);
    const count = buf.readUInt16BE(7);
    const senderEnd = HEADER + buf[9];
    if (senderEnd > buf.length || count === 0 || seq >= count)
      return { kind: 'drop', reason: 'undecodable', detail: 'fragment header out of range' };
    const sender = buf.toString('utf8', HEADER, senderEnd);
    if (!this.isPeer(sender))
      return { kind: 'drop', reason: 'unknown_sender', detail: `fragment from ${sender} who is not a peer` };
    const part = frame.subarray(senderEnd);
    let at = this.open.get(sender);
    if (seq === 0) {
      at = { id, next: 0, count, parts: [], bytes: 0 };
      this.open.set(sender, at);
    }
    if (!at || at.id !== id || at.next !== seq || at.count !== count) {
      this.open.delete(sender);
      return {
        kind: 'drop',
        reason: 'undecodable',
        detail: `fragment ${seq}/${count} of ${id} from ${sender} out of order`,
      };
    }
    at.bytes += part.length;
    if (at.bytes > this.maxMessageBytes) {
      this.open.delete(sender);
      return {
        kind: 'drop',
        reason: 'oversize',
        detail: `message from ${sender} over ${this.maxMessageBytes} bytes`,
      };
    }
    at.parts.push(part);
    at.next++;
    const fragment = { sender, id, seq };
    if (at.next < at.count) return { kind: 'partial', fragment };
    this.open.delete(sender);
    return { kind: 'whole', bytes: Buffer.concat(at.parts), fragment };
  }
}
