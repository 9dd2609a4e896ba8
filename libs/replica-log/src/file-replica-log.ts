// The embedded adapter of the ReplicaLog port: an append-only, checksummed, fsync'd log file plus a
// snapshot file, replayed into memory on open. Format and crash reasoning: docs/replica-log.md.
import { promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { Entry, HardState, PersistedState, Snapshot } from '@ossa/consensus';
import type { ReadyWrite, ReplicaLog } from '@ossa/consensus';
import { crc32 } from './crc32';
import { encodeSnapshotFile, writeFileAtomic } from './durable-files';
import { ReplicaLogError } from './errors';
import {
  LOG_FILE,
  recoverLog,
  SNAPSHOT_FILE,
  type CorruptionPolicy,
  type RecoveryReport,
} from './file-recovery';
import { freshEntries } from '@ossa/consensus';
import type { LogState } from './log-state';
import { encodeRecord, LOG_MAGIC, type LogRecord } from './record-codec';

export interface FileReplicaLogOptions {
  /** Rewrite the log once it is larger than this and more than half of it is dead records. Default 64 MiB. */
  compactBytes?: number;
  /**
   * Damage with intact records after it ('corrupt', not a torn tail): 'refuse' (default) makes open() throw
   * LOG_CORRUPT naming the file, the offset and how to recover from the peers; 'truncate' keeps the prefix
   * before it (losing acknowledged records: only for tools that inspect a damaged log). A torn tail is
   * always repaired.
   */
  onCorruption?: CorruptionPolicy;
  /** Called when recovery cut bytes off the log or adopted a snapshot; the report is also on `.recovery`. */
  onRecovery?: (report: RecoveryReport) => void;
}

/** Records to append (flushed to the device when `sync`), or a whole-file job such as a rewrite. */
type Job = { records: Buffer[]; sync: boolean } | { run: () => Promise<void> };
interface Queued {
  job: Job;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Live state besides the entries (header, hard state, snapshot record) is small; this bounds it. */
const LIVE_OVERHEAD_BYTES = 1024;
const ENTRIES_PER_REWRITE_RECORD = 4096;

export class FileReplicaLog implements ReplicaLog {
  private readonly queue: Queued[] = [];
  private flushing = false;
  private closed = false;
  private failure: ReplicaLogError | null = null;
  /** File length once every queued job has run; decides compaction at enqueue time. */
  private projectedBytes: number;

  private constructor(
    readonly dir: string,
    /** What recovery found when this log was opened. */
    readonly recovery: RecoveryReport,
    private readonly state: LogState,
    private handle: fs.FileHandle,
    private writeOffset: number,
    private readonly compactBytes: number,
  ) {
    this.projectedBytes = writeOffset;
    this.syncedOffset = writeOffset;
  }

  /** Bytes of the log file known flushed to the device. */
  private syncedOffset: number;

  /** Opens (creating if needed) the log in dir, recovering from a crash or a torn tail. */
  static async open(dir: string, options: FileReplicaLogOptions = {}): Promise<FileReplicaLog> {
    const recovered = await recoverLog(dir, options.onCorruption ?? 'refuse');
    const logPath = path.join(dir, LOG_FILE);
    let fileBytes = recovered.fileBytes;
    if (recovered.needsRewrite) {
      const chunks = encodeLiveState(recovered.state);
      await writeFileAtomic(logPath, chunks);
      fileBytes = byteLength(chunks);
    }
    const { report } = recovered;
    if (report.damage || report.adoptedSnapshot) options.onRecovery?.(report);
    const handle = await fs.open(logPath, 'r+');
    const compactBytes = options.compactBytes ?? 64 * 1024 * 1024;
    return new FileReplicaLog(dir, report, recovered.state, handle, fileBytes, compactBytes);
  }

  async load(): Promise<PersistedState> {
    this.assertUsable();
    return this.state.load();
  }

  append(entries: Entry[]): Promise<void> {
    return this.persist({ entries }, { sync: true });
  }

  saveHardState(hardState: HardState): Promise<void> {
    return this.persist({ entries: [], hardState }, { sync: true });
  }

  /** One Ready: entries and hard state as one write; one fdatasync (off the event loop) when `sync`. */
  persist(write: ReadyWrite, options: { sync: boolean }): Promise<void> {
    try {
      this.assertUsable();
      const records: LogRecord[] = [];
      const fresh = freshEntries(write.entries, this.state.snapshotIndex(), this.state.lastIndex());
      if (fresh.length > 0) {
        if (fresh[0].index <= this.state.lastIndex()) {
          records.push({ kind: 'truncate', index: fresh[0].index });
          this.state.truncateFrom(fresh[0].index);
        }
        this.state.appendContiguous(fresh);
        records.push({ kind: 'entries', entries: fresh });
      }
      if (write.hardState) {
        const { term, vote, commit } = write.hardState;
        this.state.hardState = { term, vote, commit };
        records.push({ kind: 'hardState', hardState: this.state.hardState });
      }
      return this.enqueueRecords(records, options.sync);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Writes the snapshot file (temp, fsync, rename, dir fsync), then rewrites the log without covered entries. */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    try {
      this.assertUsable();
      if (snapshot.metadata.index <= this.state.snapshotIndex())
        return this.enqueue({ records: [], sync: false });
      this.state.saveSnapshot(snapshot);
      const snapshotFile = encodeSnapshotFile(snapshot);
      const logFile = encodeLiveState(this.state);
      this.projectedBytes = byteLength(logFile);
      return this.enqueue({
        run: async () => {
          await writeFileAtomic(path.join(this.dir, SNAPSHOT_FILE), snapshotFile);
          await this.replaceLogFile(logFile);
        },
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async entries(from: number, toExclusive: number): Promise<Entry[]> {
    this.assertUsable();
    return this.state.entries(from, toExclusive);
  }

  async firstIndex(): Promise<number> {
    this.assertUsable();
    return this.state.firstIndex();
  }

  async lastIndex(): Promise<number> {
    this.assertUsable();
    return this.state.lastIndex();
  }

  /** Length of the log file once queued writes land; for tests and metrics. */
  get fileBytes(): number {
    return this.projectedBytes;
  }

  /** Waits for queued writes, then closes the file. Later calls fail with LOG_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    const drained = this.failure
      ? Promise.resolve()
      : this.enqueue({ records: [], sync: false }).catch(() => undefined);
    this.closed = true;
    await drained;
    // After a failed rewrite the handle may already be closed.
    await this.handle.close().catch((err: unknown) => {
      if (!this.failure) throw err;
    });
  }

  private enqueueRecords(records: LogRecord[], sync: boolean): Promise<void> {
    const buffers = records.map(encodeRecord);
    this.projectedBytes += byteLength(buffers);
    const written = this.enqueue({ records: buffers, sync });
    const live = LIVE_OVERHEAD_BYTES + this.state.liveEntryBytes;
    if (this.projectedBytes > this.compactBytes && live * 2 < this.projectedBytes) {
      const logFile = encodeLiveState(this.state);
      this.projectedBytes = byteLength(logFile);
      void this.enqueue({ run: () => this.replaceLogFile(logFile) }).catch(() => undefined);
    }
    return written;
  }

  /** Every state change is applied to memory in call order; the file catches up in the same order. */
  private enqueue(job: Job): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      // Started on the next microtask, so jobs queued together (a Ready's entries and hard state) share a write.
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  /**
   * Group commit: consecutive record jobs share one write and at most one fdatasync. Jobs queued while a
   * write or sync runs (the event loop keeps going) join the next batch.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch: Queued[] = [];
      while (this.queue.length > 0 && (batch.length === 0 || isRecords(this.queue[0].job))) {
        batch.push(this.queue.shift()!);
        if (!isRecords(batch[0].job)) break;
      }
      try {
        if (this.failure) throw this.failure;
        const first = batch[0].job;
        if (isRecords(first)) {
          const jobs = batch.map((q) => q.job as { records: Buffer[]; sync: boolean });
          await this.writeRecords(
            jobs.flatMap((j) => j.records),
            jobs.some((j) => j.sync),
          );
        } else await first.run();
        for (const q of batch) q.resolve();
      } catch (err) {
        this.failure ??= new ReplicaLogError(
          'LOG_FAILED',
          `writing ${this.dir} failed: ${(err as Error).message}`,
          {
            path: this.dir,
            cause: err,
          },
        );
        for (const q of batch) q.reject(this.failure);
      }
    }
    this.flushing = false;
  }

  /**
   * The write goes to the page cache on this thread (microseconds; it survives the process being killed); the
   * fdatasync that makes it survive the machine runs on libuv's thread pool, so the replica keeps receiving
   * answers and proposals meanwhile, and those join the next group commit.
   */
  private async writeRecords(buffers: Buffer[], sync: boolean): Promise<void> {
    if (buffers.length > 0) {
      const buf = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
      for (let done = 0; done < buf.length;)
        done += writeSync(this.handle.fd, buf, done, buf.length - done, this.writeOffset + done);
      this.writeOffset += buf.length;
    }
    if (sync && this.writeOffset > this.syncedOffset) {
      const target = this.writeOffset;
      await this.handle.datasync();
      this.syncedOffset = target;
    }
  }

  /** Temp file, fsync, rename over the log, dir fsync; then append to the new file. */
  private async replaceLogFile(chunks: Buffer[]): Promise<void> {
    const logPath = path.join(this.dir, LOG_FILE);
    await writeFileAtomic(logPath, chunks);
    await this.handle.close();
    this.handle = await fs.open(logPath, 'r+');
    this.writeOffset = byteLength(chunks);
    this.syncedOffset = this.writeOffset;
  }

  private assertUsable(): void {
    if (this.closed)
      throw new ReplicaLogError('LOG_CLOSED', `replica log ${this.dir} is closed`, { path: this.dir });
    if (this.failure) throw this.failure;
  }
}

/** The whole live state as a fresh log file: header, hard state, snapshot record, entries. */
function encodeLiveState(state: LogState): Buffer[] {
  const chunks = [LOG_MAGIC, encodeRecord({ kind: 'hardState', hardState: state.hardState })];
  if (state.snapshot) {
    const { metadata, data } = state.snapshot;
    chunks.push(
      encodeRecord({ kind: 'snapshotMeta', metadata, dataLength: data.length, dataCrc: crc32(data) }),
    );
  }
  const live = state.liveEntries();
  for (let i = 0; i < live.length; i += ENTRIES_PER_REWRITE_RECORD) {
    chunks.push(encodeRecord({ kind: 'entries', entries: live.slice(i, i + ENTRIES_PER_REWRITE_RECORD) }));
  }
  return chunks;
}

const isRecords = (job: Job): job is { records: Buffer[]; sync: boolean } => 'records' in job;
const byteLength = (chunks: Buffer[]) => chunks.reduce((n, c) => n + c.length, 0);
