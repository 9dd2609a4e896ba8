import type { Entry, Message, Snapshot } from '@ossa/consensus';

// Raft messages travel between replicas as JSON; entry and snapshot payloads as base64.
type WireEntry = Omit<Entry, 'data'> & { data: string };
type WireSnapshot = Omit<Snapshot, 'data'> & { data: string };
type WireMessage = Omit<Message, 'entries' | 'snapshot'> & { entries?: WireEntry[]; snapshot?: WireSnapshot };

const toB64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

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

export function encodeMessage(m: Message): Uint8Array {
  const wire: WireMessage = {
    ...m,
    entries: m.entries?.map((e) => ({ ...e, data: toB64(e.data) })),
    snapshot: m.snapshot ? { ...m.snapshot, data: toB64(m.snapshot.data) } : undefined,
  };
  return Buffer.from(JSON.stringify(wire));
}

/** Bytes of one entry on the wire: its base64 payload and the JSON around it. */
export function wireEntryBytes(dataBytes: number): number {
  return Math.ceil(dataBytes / 3) * 4 + 80;
}

export type Decoded = { ok: true; candidate: unknown } | { ok: false; detail: string };

/**
 * Parses bytes into a message candidate for checkPeerMessage, turning valid base64 payloads into bytes.
 * Never throws: garbage gives ok false; a payload that is not base64 stays a string, so the check rejects it.
 */
export function decodeMessage(bytes: Uint8Array): Decoded {
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

// Fragments: a message larger than the broker's max payload travels as several frames, reassembled per
// sender in order (one connection per replica keeps a publisher's order). A frame starts with a zero byte,
// which no JSON message does: [0][u32 message id][u16 seq][u16 count][u8 sender length][sender][bytes].
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

export type Reassembled =
  | { kind: 'whole'; bytes: Uint8Array }
  | { kind: 'partial' }
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
    if (at.next < at.count) return { kind: 'partial' };
    this.open.delete(sender);
    return { kind: 'whole', bytes: Buffer.concat(at.parts) };
  }
}
