// Recovery of a FileReplicaLog on open: replay the log file into memory, cut it at the first torn or
// damaged record, and reconcile it with the snapshot file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SnapshotMetadata } from '@ossa/consensus';
import { crc32 } from './crc32';
import { ReplicaLogError } from './errors';
import { readSnapshotFile, syncDir, writeFileAtomic } from './durable-files';
import { LogState } from './log-state';
import { LOG_MAGIC, readRecord, type LogRecord } from './record-codec';

export const LOG_FILE = 'replica.log';
export const SNAPSHOT_FILE = 'snapshot.bin';

/** What recovery found; `damage` is null after a clean shutdown or a crash between whole records. */
export interface RecoveryReport {
  path: string;
  /** Whole records replayed. */
  records: number;
  keptBytes: number;
  /** Bytes cut off the end of the log file. */
  droppedBytes: number;
  /**
   * 'torn': the damaged record is the last thing in the file (a write cut short by a crash, or garbage at
   * the tail). 'corrupt': intact-looking bytes follow it, so the damage is in the middle of the file.
   */
  damage: null | { kind: 'torn' | 'corrupt'; offset: number; reason: string };
  /** A snapshot file newer than the log named was adopted (a crash inside saveSnapshot). */
  adoptedSnapshot: boolean;
}

export type CorruptionPolicy = 'truncate' | 'refuse';

export interface RecoveredLog {
  state: LogState;
  report: RecoveryReport;
  /** Length of the log file after recovery. */
  fileBytes: number;
  /** The log no longer describes the state (a snapshot was adopted): rewrite it before appending. */
  needsRewrite: boolean;
}

export async function recoverLog(dir: string, onCorruption: CorruptionPolicy): Promise<RecoveredLog> {
  await fs.mkdir(dir, { recursive: true });
  const logPath = path.join(dir, LOG_FILE);
  await removeLeftovers(dir);
  let buf = await readIfExists(logPath);
  if (buf === null) {
    await writeFileAtomic(logPath, [LOG_MAGIC]);
    buf = LOG_MAGIC;
  }
  if (!buf.subarray(0, LOG_MAGIC.length).equals(LOG_MAGIC)) {
    throw new ReplicaLogError('LOG_CORRUPT', `${logPath} is not a replica log of this version (bad magic)`, {
      path: logPath,
      offset: 0,
    });
  }

  const state = new LogState();
  const report: RecoveryReport = {
    path: logPath,
    records: 0,
    keptBytes: buf.length,
    droppedBytes: 0,
    damage: null,
    adoptedSnapshot: false,
  };
  let namedSnapshot: { metadata: SnapshotMetadata; dataCrc: number } | null = null;
  let offset = LOG_MAGIC.length;
  while (offset < buf.length) {
    const read = readRecord(buf, offset);
    const problem = read.ok ? replay(state, read.record) : read.reason;
    if (read.ok && problem === null) {
      if (read.record.kind === 'snapshotMeta') namedSnapshot = read.record;
      report.records++;
      offset = read.next;
      continue;
    }
    const end = read.ok ? read.next : read.end;
    const torn =
      end === undefined ? !hasIntactRecordAfter(buf, offset) : end >= buf.length || allZero(buf, end);
    report.damage = { kind: torn ? 'torn' : 'corrupt', offset, reason: problem ?? 'unreadable record' };
    break;
  }

  if (report.damage) {
    if (report.damage.kind === 'corrupt' && onCorruption === 'refuse') {
      throw new ReplicaLogError(
        'LOG_CORRUPT',
        `${logPath} is damaged at byte ${offset} (${report.damage.reason}) with intact records after it, ` +
          `so acknowledged entries or votes would be lost by cutting it. To recover this replica from its ` +
          `peers: stop it, delete the directory ${dir}, and start it again; it rejoins empty and the leader ` +
          `sends it a snapshot and the entries after it (the rest of the cluster must hold a majority).`,
        { path: logPath, offset },
      );
    }
    await cutAt(logPath, offset);
    report.keptBytes = offset;
    report.droppedBytes = buf.length - offset;
  }

  const adopted = await reconcileSnapshot(state, namedSnapshot, path.join(dir, SNAPSHOT_FILE));
  report.adoptedSnapshot = adopted;
  return { state, report, fileBytes: report.keptBytes, needsRewrite: adopted };
}

/** Applies one record to the state; returns why it cannot be applied, or null. */
function replay(state: LogState, record: LogRecord): string | null {
  switch (record.kind) {
    case 'entries': {
      const first = record.entries[0]?.index;
      if (first !== state.lastIndex() + 1)
        return `entries record at ${first} does not follow ${state.lastIndex()}`;
      state.appendContiguous(record.entries);
      return null;
    }
    case 'truncate':
      if (record.index <= state.snapshotIndex() || record.index > state.lastIndex() + 1) {
        return `truncation at ${record.index} outside the log`;
      }
      state.truncateFrom(record.index);
      return null;
    case 'hardState':
      state.hardState = record.hardState;
      return null;
    case 'snapshotMeta':
      if (record.metadata.index <= state.snapshotIndex())
        return `snapshot record at ${record.metadata.index} goes back`;
      state.saveSnapshot({ metadata: record.metadata, data: new Uint8Array(0) });
      return null;
    case 'snapshotData':
      return 'snapshot data record inside the log';
  }
}

/**
 * The snapshot file is replaced before the log is rewritten to name it, so after a crash it may be
 * newer than the log says: then it is adopted, finishing the interrupted saveSnapshot.
 */
async function reconcileSnapshot(
  state: LogState,
  named: { metadata: SnapshotMetadata; dataCrc: number } | null,
  file: string,
): Promise<boolean> {
  const onDisk = await readSnapshotFile(file);
  if (onDisk && onDisk.metadata.index > (named?.metadata.index ?? 0)) {
    state.saveSnapshot(onDisk);
    return true;
  }
  if (!named) return false;
  const matches =
    onDisk !== null &&
    onDisk.metadata.index === named.metadata.index &&
    onDisk.metadata.term === named.metadata.term &&
    crc32(onDisk.data) === named.dataCrc;
  if (!matches) {
    throw new ReplicaLogError(
      'LOG_CORRUPT',
      `the log names snapshot ${named.metadata.index}/${named.metadata.term} but ${file} does not hold it`,
      { path: file, index: named.metadata.index },
    );
  }
  if (state.snapshot) state.snapshot = { metadata: state.snapshot.metadata, data: onDisk.data };
  return false;
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Temp files are only renamed into place once complete, so a leftover one is an abandoned write. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of [`${LOG_FILE}.tmp`, `${SNAPSHOT_FILE}.tmp`])
    await fs.rm(path.join(dir, name), { force: true });
}

async function cutAt(file: string, length: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDir(path.dirname(file));
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** With an unbelievable length the record cannot be skipped; look for a whole, valid record in the next MiB. */
function hasIntactRecordAfter(buf: Buffer, offset: number): boolean {
  const stop = Math.min(buf.length, offset + (1 << 20));
  for (let at = offset + 1; at + 8 < stop; at++) {
    const read = readRecord(buf, at);
    if (read.ok) return true;
  }
  return false;
}
