// npm run bench:commit-path — the parts of one commit measured alone, to read the consensus bench's profile:
// encoding an AppendEntries (the replicas' JSON + base64 against a length-prefixed binary layout and BSON),
// an append + fdatasync on the disk the file log uses, and one NATS request/reply on loopback.
// Writes bench/results/commit-path.json.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BSON, Binary } from 'mongodb';
import { connect } from 'nats';
import { checkPeerMessage, MESSAGE_TYPE_LIST, type Entry, type Message } from '@ossa/consensus';
import { startTestServers } from '@ossa/testing';
import { decodeMessage, encodeMessage, encodeMessageJson } from '../services/consensus/src/replica/wire';
import { percentile, random } from './bench-support';

const ROOT = path.resolve(__dirname, '..', '..');

interface Codec {
  name: string;
  encode(m: Message): Uint8Array;
  decode(b: Uint8Array): Message;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const TYPES = MESSAGE_TYPE_LIST;
const NUMBERS = ['term', 'index', 'logTerm', 'commit', 'rejectHint'] as const;

/**
 * Length-prefixed binary: type, from, to, a presence mask, five float64 numbers, reject, context, entries as
 * (index, term, type, length, bytes). Decoded payloads are views of the received buffer, not copies.
 * Snapshots are left out: this is the shape of an append, for measuring.
 */
const binary: Codec = {
  name: 'binary',
  encode(m) {
    const from = utf8.encode(m.from);
    const to = utf8.encode(m.to);
    const context = utf8.encode(m.context ?? '');
    const entries = m.entries ?? [];
    const size =
      1 +
      1 +
      from.length +
      1 +
      to.length +
      1 +
      8 * NUMBERS.length +
      1 +
      2 +
      context.length +
      4 +
      entries.reduce((n, e) => n + 21 + e.data.length, 0);
    const out = Buffer.allocUnsafe(size); // every byte is written below
    const view = new DataView(out.buffer);
    let at = 0;
    out[at++] = TYPES.indexOf(m.type);
    out[at++] = from.length;
    out.set(from, at);
    at += from.length;
    out[at++] = to.length;
    out.set(to, at);
    at += to.length;
    let mask = 0;
    NUMBERS.forEach((k, i) => (m[k] !== undefined ? (mask |= 1 << i) : 0));
    out[at++] = mask;
    for (const k of NUMBERS) {
      view.setFloat64(at, m[k] ?? 0);
      at += 8;
    }
    out[at++] = m.reject === undefined ? 2 : m.reject ? 1 : 0;
    view.setUint16(at, context.length);
    out.set(context, at + 2);
    at += 2 + context.length;
    view.setUint32(at, entries.length);
    at += 4;
    for (const e of entries) {
      view.setFloat64(at, e.index);
      view.setFloat64(at + 8, e.term);
      out[at + 16] = e.type === 'normal' ? 0 : 1;
      view.setUint32(at + 17, e.data.length);
      out.set(e.data, at + 21);
      at += 21 + e.data.length;
    }
    return out;
  },
  decode(b) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let at = 0;
    const type = TYPES[b[at++]];
    const fromLen = b[at++];
    const from = fromUtf8.decode(b.subarray(at, at + fromLen));
    at += fromLen;
    const toLen = b[at++];
    const to = fromUtf8.decode(b.subarray(at, at + toLen));
    at += toLen;
    const mask = b[at++];
    const m: Message = { type, from, to, term: 0 };
    NUMBERS.forEach((k, i) => {
      if (mask & (1 << i)) m[k] = view.getFloat64(at);
      at += 8;
    });
    const reject = b[at++];
    if (reject !== 2) m.reject = reject === 1;
    const contextLen = view.getUint16(at);
    if (contextLen > 0) m.context = fromUtf8.decode(b.subarray(at + 2, at + 2 + contextLen));
    at += 2 + contextLen;
    const count = view.getUint32(at);
    at += 4;
    if (count > 0) m.entries = [];
    for (let i = 0; i < count; i++) {
      const len = view.getUint32(at + 17);
      m.entries!.push({
        index: view.getFloat64(at),
        term: view.getFloat64(at + 8),
        type: b[at + 16] === 0 ? 'normal' : 'confChange',
        data: b.subarray(at + 21, at + 21 + len),
      });
      at += 21 + len;
    }
    return m;
  },
};

/** BSON (the MongoDB driver's codec): the same fields, payloads as BSON binary. */
const bson: Codec = {
  name: 'bson',
  encode(m) {
    return BSON.serialize(
      { ...m, entries: m.entries?.map((e) => ({ ...e, data: new Binary(e.data) })) },
      { ignoreUndefined: true },
    );
  },
  decode(b) {
    const doc = BSON.deserialize(b, { promoteBuffers: true }) as Message & {
      entries?: (Omit<Entry, 'data'> & { data: Buffer })[];
    };
    return {
      ...doc,
      entries: doc.entries?.map((e) => ({
        ...e,
        data: new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
      })),
    };
  },
};

/** What a replica does with received bytes: decode (binary, or the earlier JSON form), check every field. */
function decodeChecked(b: Uint8Array): Message {
  const decoded = decodeMessage(b);
  if (!decoded.ok) throw new Error(decoded.detail);
  const checked = checkPeerMessage(decoded.candidate, { self: 'r2', peers: new Set(['r1', 'r2', 'r3']) });
  if (!checked.ok) throw new Error(checked.detail);
  return checked.message;
}

const codecs: Codec[] = [
  { name: 'json+base64 (before)', encode: encodeMessageJson, decode: decodeChecked },
  { name: 'binary (replicas now, checked)', encode: encodeMessage, decode: decodeChecked },
  binary,
  bson,
];

function appendEntries(count: number, bytes: number): Message {
  const next = random(7);
  const entries: Entry[] = Array.from({ length: count }, (_, i) => ({
    index: 1000 + i,
    term: 3,
    type: 'normal',
    data: Uint8Array.from({ length: bytes }, () => Math.floor(next() * 256)),
  }));
  return {
    type: 'appendEntries',
    from: 'r1',
    to: 'r2',
    term: 3,
    index: 999,
    logTerm: 3,
    commit: 998,
    entries,
  };
}

/** Microseconds per call: the median of `rounds` rounds of `n` calls. */
function timeUs(n: number, rounds: number, fn: () => unknown): number {
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    perCall.push(((performance.now() - t) * 1000) / n);
  }
  return +percentile(
    perCall.sort((a, b) => a - b),
    0.5,
  ).toFixed(1);
}

function sameMessage(a: Message, b: Message): boolean {
  const ea = a.entries ?? [];
  const eb = b.entries ?? [];
  return (
    a.type === b.type &&
    a.term === b.term &&
    a.index === b.index &&
    a.commit === b.commit &&
    ea.length === eb.length &&
    ea.every((e, i) => e.index === eb[i].index && Buffer.compare(e.data, eb[i].data) === 0)
  );
}

function encodings() {
  const rows = [];
  for (const [shape, m, n] of [
    ['64 entries × 256 B', appendEntries(64, 256), 2000],
    ['1 entry × 256 KiB', appendEntries(1, 256 * 1024), 100],
  ] as const) {
    for (const c of codecs) {
      const bytes = c.encode(m);
      if (!sameMessage(m, c.decode(bytes))) throw new Error(`${c.name} does not round-trip ${shape}`);
      const encodeUs = timeUs(n, 7, () => c.encode(m));
      const decodeUs = timeUs(n, 7, () => c.decode(bytes));
      rows.push({
        message: shape,
        codec: c.name,
        bytes: bytes.length,
        encodeUs,
        decodeUs,
        roundTripUs: +(encodeUs + decodeUs).toFixed(1),
      });
    }
  }
  return rows;
}

/** One append of `size` bytes and its fdatasync, `n` times, in the directory the file log uses. */
function fsyncs(size: number, n: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ossa-fsync-'));
  const fd = openSync(path.join(dir, 'log'), 'w');
  const buf = Buffer.alloc(size, 7);
  const ms: number[] = [];
  try {
    for (let i = 0, offset = 0; i < n; i++, offset += size) {
      const t = performance.now();
      writeSync(fd, buf, 0, size, offset);
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  ms.sort((a, b) => a - b);
  return {
    appendBytes: size,
    count: n,
    p50Ms: +percentile(ms, 0.5).toFixed(3),
    p99Ms: +percentile(ms, 0.99).toFixed(3),
  };
}

async function natsRoundTrip(natsUrl: string, n: number) {
  const nc = await connect({ servers: natsUrl });
  const subject = `bench.commit-path.${process.pid}`;
  const sub = nc.subscribe(subject, { callback: (_e, m) => m.respond(m.data) });
  const body = utf8.encode(JSON.stringify({ op: 'put', key: 'k123', value: 'v12345' }));
  const ms: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await nc.request(subject, body, { timeout: 2000 });
      ms.push(performance.now() - t);
    }
  } finally {
    sub.unsubscribe();
    await nc.drain();
  }
  ms.sort((a, b) => a - b);
  return { requests: n, p50Ms: +percentile(ms, 0.5).toFixed(3), p99Ms: +percentile(ms, 0.99).toFixed(3) };
}

async function main(): Promise<void> {
  const encoding = encodings();
  console.table(encoding);
  const fsync = [fsyncs(300, 2000), fsyncs(64 * 300, 500)];
  console.table(fsync);
  const servers = await startTestServers();
  let nats;
  try {
    nats = await natsRoundTrip(servers.natsUrl, 5000);
  } finally {
    await servers.stop();
  }
  console.table([nats]);
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'commit-path.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: os.cpus().length, node: process.version },
        encoding,
        fsync,
        nats,
      },
      null,
      2,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
