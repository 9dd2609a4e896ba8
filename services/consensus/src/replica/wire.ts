import type { Entry, Message, Snapshot } from '@ossa/consensus';

// Raft messages travel between replicas as JSON; entry and snapshot payloads as base64.
type WireEntry = Omit<Entry, 'data'> & { data: string };
type WireSnapshot = Omit<Snapshot, 'data'> & { data: string };
type WireMessage = Omit<Message, 'entries' | 'snapshot'> & { entries?: WireEntry[]; snapshot?: WireSnapshot };

const toB64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

export function encodeMessage(m: Message): Uint8Array {
  const wire: WireMessage = {
    ...m,
    entries: m.entries?.map((e) => ({ ...e, data: toB64(e.data) })),
    snapshot: m.snapshot ? { ...m.snapshot, data: toB64(m.snapshot.data) } : undefined,
  };
  return Buffer.from(JSON.stringify(wire));
}

export function decodeMessage(bytes: Uint8Array): Message {
  const wire = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as WireMessage;
  return {
    ...wire,
    entries: wire.entries?.map((e) => ({ ...e, data: fromB64(e.data) })),
    snapshot: wire.snapshot ? { ...wire.snapshot, data: fromB64(wire.snapshot.data) } : undefined,
  };
}
