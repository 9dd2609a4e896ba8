// The MongoDB adapter of the ReplicaLog port, with mongoose. One database per replica; journaled, majority
// writes; no transactions, change streams or TTL indexes (FerretDB 1.x has none). Crash reasoning in
// docs/replica-log.md.
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Entry, HardState, PersistedState, Snapshot } from '@ossa/consensus';
import type { ReadyWrite, ReplicaLog } from '@ossa/consensus';
import { crc32 } from './crc32';
import { ReplicaLogError } from './errors';
import { checkRange, freshEntries } from '@ossa/consensus';
import {
  asBuffer,
  HARD_STATE_ID,
  replicaLogModels,
  SNAPSHOT_ID,
  toBytes,
  type EntryDoc,
  type ReplicaLogModels,
  type SnapshotDoc,
} from './mongo-models';

export interface MongoReplicaLogOptions {
  /** Prefix of the collection names. Default 'rlog_'. */
  collectionPrefix?: string;
  /** Snapshot bytes per chunk document, kept well under MongoDB's 16 MB document limit. Default 4 MiB. */
  snapshotChunkBytes?: number;
}

/** Acknowledged only once a majority has the write in its journal. */
const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };
/** A Ready whose only change is the commit index: acknowledged by the server, not waited for in its journal. */
const WRITTEN = { writeConcern: { w: 1 as const, j: false } };

/** What the stored documents say, after dropping strays a crash can leave (see recover()). */
interface StoredState extends PersistedState {
  strays: { covered: boolean; afterGap: number | null; orphanChunks: boolean };
}

export class MongoReplicaLog implements ReplicaLog {
  private chain: Promise<unknown> = Promise.resolve();
  /** Deletions of entries a saved snapshot covers, one after the other and off the write path (saveSnapshot). */
  private trimming: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set when a write failed half-way: the next call re-reads the bounds from the database first. */
  private stale = false;
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snapshotIndex = 0;
  private last = 0;

  private constructor(
    private readonly models: ReplicaLogModels,
    private readonly chunkBytes: number,
  ) {}

  /** Opens the log stored in the connection's database, cleaning up what an interrupted write left. */
  static async open(connection: Connection, options: MongoReplicaLogOptions = {}): Promise<MongoReplicaLog> {
    const models = await replicaLogModels(connection, options.collectionPrefix ?? 'rlog_');
    const log = new MongoReplicaLog(models, options.snapshotChunkBytes ?? 4 * 1024 * 1024);
    await log.recover();
    return log;
  }

  load(): Promise<PersistedState> {
    return this.serial(async () => {
      const { hardState, snapshot, entries } = await this.readStored();
      return { hardState, snapshot, entries };
    });
  }

  /** A conflicting suffix is deleted first, then the new entries inserted in index order. */
  append(entries: Entry[]): Promise<void> {
    return this.persist({ entries }, { sync: true });
  }

  saveHardState(hardState: HardState): Promise<void> {
    return this.persist({ entries: [], hardState }, { sync: true });
  }

  /**
   * One Ready: the entries (conflicting suffix deleted first, then one insertMany) and the hard state. When the
   * hard state changes only its commit index (steady replication) both go to the server at once, one round trip
   * instead of two; a crash between them is safe because load() caps the commit index at the last stored
   * entry. A new term or vote is stored before the entries. `sync: false` (only the commit index changed)
   * skips the journal wait.
   */
  persist(write: ReadyWrite, options: { sync: boolean }): Promise<void> {
    return this.serial(async () => {
      const fresh = freshEntries(write.entries, this.snapshotIndex, this.last);
      const hardState = write.hardState;
      if (fresh.length === 0 && !hardState) return;
      const concern = options.sync || fresh.length > 0 ? DURABLE : WRITTEN;
      await this.write(async () => {
        const saveHardState = async () => {
          if (!hardState) return;
          const doc = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
          await this.models.hardState.replaceOne({ _id: HARD_STATE_ID }, doc, { upsert: true, ...concern });
          this.hardState = doc;
        };
        const commitOnly =
          !hardState || (hardState.term === this.hardState.term && hardState.vote === this.hardState.vote);
        if (fresh.length === 0) await saveHardState();
        else if (commitOnly) await Promise.all([this.appendFresh(fresh), saveHardState()]);
        else {
          await saveHardState();
          await this.appendFresh(fresh);
        }
      });
    });
  }

  private async appendFresh(fresh: Entry[]): Promise<void> {
    if (fresh[0].index <= this.last) {
      await this.models.entries.deleteMany({ index: { $gte: fresh[0].index } }, DURABLE);
      this.last = fresh[0].index - 1;
    }
    const docs = fresh.map((e) => ({
      index: e.index,
      term: e.term,
      type: e.type,
      data: asBuffer(e.data),
    }));
    await this.models.entries.insertMany(docs, { ordered: true, lean: true, ...DURABLE });
    this.last = fresh[fresh.length - 1].index;
  }

  /**
   * Chunks first, then the snapshot document that names them, then the entries it covers go.
   * A snapshot that does not match the log drops the suffix after it before it is named.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.serial(async () => {
      const { index, term, confState } = snapshot.metadata;
      if (index <= this.snapshotIndex) return;
      await this.write(async () => {
        const matches = index <= this.last && (await this.termAt(index)) === term;
        const snapId = randomUUID();
        const chunks = this.chunk(snapshot.data).map((data, seq) => ({ snapId, seq, data }));
        if (chunks.length > 0)
          await this.models.chunks.insertMany(chunks, { ordered: true, lean: true, ...DURABLE });
        if (!matches) {
          await this.models.entries.deleteMany({ index: { $gt: index } }, DURABLE);
          this.last = Math.min(this.last, index);
        }
        const doc: Omit<SnapshotDoc, '_id'> = {
          snapId,
          index,
          term,
          voters: [...confState.voters],
          size: snapshot.data.length,
          chunks: chunks.length,
          crc: crc32(snapshot.data),
        };
        await this.models.snapshot.replaceOne({ _id: SNAPSHOT_ID }, doc, { upsert: true, ...DURABLE });
        this.snapshotIndex = index;
        this.last = Math.max(this.last, index);
        if (this.hardState.commit < index) {
          const hardState = { ...this.hardState, commit: index };
          await this.models.hardState.replaceOne({ _id: HARD_STATE_ID }, hardState, {
            upsert: true,
            ...DURABLE,
          });
          this.hardState = hardState;
        }
        await this.models.chunks.deleteMany({ snapId: { $ne: snapId } }, DURABLE);
        this.trim(index);
      });
    });
  }

  /**
   * Deletes the entries a saved snapshot covers without holding the log's calls (and so the replica's loop)
   * for it: on FerretDB the deleteMany of the ~10,000 entries one cut covers took seconds under load, every
   * replica cut at the same index, heartbeats stopped and clients timed out (the bench's "stall"). Entries
   * at or below the snapshot are never read or written again (reads start above it, appends of covered
   * entries are dropped), so the deletion cannot meet other calls; one that fails or is cut short by a crash
   * leaves covered entries, which load() skips and recover() deletes on the next open.
   */
  private trim(index: number): void {
    this.trimming = this.trimming.then(() =>
      this.models.entries.deleteMany({ index: { $lte: index } }, DURABLE).then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  entries(from: number, toExclusive: number): Promise<Entry[]> {
    return this.serial(async () => {
      checkRange(from, toExclusive, this.snapshotIndex + 1, this.last);
      if (toExclusive <= from) return [];
      const docs = await this.models.entries
        .find({ index: { $gte: from, $lt: toExclusive } })
        .sort({ index: 1 })
        .lean<EntryDoc[]>();
      if (docs.length !== toExclusive - from || docs.some((d, i) => d.index !== from + i)) {
        throw new ReplicaLogError('LOG_CORRUPT', `entries ${from}..${toExclusive - 1} are not all stored`, {
          index: from,
        });
      }
      return docs.map(toEntry);
    });
  }

  firstIndex(): Promise<number> {
    return this.serial(async () => this.snapshotIndex + 1);
  }

  lastIndex(): Promise<number> {
    return this.serial(async () => this.last);
  }

  /** Waits for queued calls; the connection belongs to the caller and stays open. */
  async close(): Promise<void> {
    const pending = this.chain;
    this.closed = true;
    await pending;
    await this.trimming;
  }

  /** Calls run one at a time in call order, so the cached bounds always match the database. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ReplicaLogError('LOG_CLOSED', 'MongoReplicaLog is closed'));
    const result = this.chain.then(async () => {
      if (this.stale) await this.recover();
      return fn();
    });
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async write(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.stale = true;
      throw new ReplicaLogError('LOG_FAILED', `replica log write failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /**
   * Reads the stored state and removes what an interrupted write can leave behind: entries the snapshot
   * covers, entries after a gap (a half-finished deleteMany), and chunks no snapshot document names.
   */
  private async recover(): Promise<void> {
    const stored = await this.readStored();
    const { strays } = stored;
    if (strays.covered)
      await this.models.entries.deleteMany({ index: { $lte: stored.snapshotIndex } }, DURABLE);
    if (strays.afterGap !== null)
      await this.models.entries.deleteMany({ index: { $gt: strays.afterGap } }, DURABLE);
    if (strays.orphanChunks) {
      const keep = stored.snapshotId ?? '';
      await this.models.chunks.deleteMany({ snapId: { $ne: keep } }, DURABLE);
    }
    this.hardState = stored.hardState;
    this.snapshotIndex = stored.snapshotIndex;
    this.last = stored.snapshotIndex + stored.entries.length;
    this.stale = false;
  }

  private async readStored(): Promise<StoredState & { snapshotIndex: number; snapshotId: string | null }> {
    const [hardDoc, snapDoc, docs, chunkIds] = await Promise.all([
      this.models.hardState.findById(HARD_STATE_ID).lean(),
      this.models.snapshot.findById(SNAPSHOT_ID).lean(),
      this.models.entries.find().sort({ index: 1 }).lean<EntryDoc[]>(),
      this.models.chunks.distinct('snapId'),
    ]);
    const snapshot = snapDoc ? await this.readSnapshot(snapDoc) : null;
    const snapshotIndex = snapDoc?.index ?? 0;
    const entries: Entry[] = [];
    let afterGap: number | null = null;
    for (const doc of docs) {
      if (doc.index <= snapshotIndex) continue;
      if (doc.index !== snapshotIndex + entries.length + 1) {
        afterGap = snapshotIndex + entries.length;
        break;
      }
      entries.push(toEntry(doc));
    }
    const commit = Math.max(hardDoc?.commit ?? 0, snapshotIndex);
    return {
      hardState: { term: hardDoc?.term ?? 0, vote: hardDoc?.vote ?? null, commit },
      snapshot,
      entries,
      snapshotIndex,
      snapshotId: snapDoc?.snapId ?? null,
      strays: {
        covered: docs.length > 0 && docs[0].index <= snapshotIndex,
        afterGap,
        orphanChunks: chunkIds.some((id) => id !== snapDoc?.snapId),
      },
    };
  }

  private async readSnapshot(doc: SnapshotDoc): Promise<Snapshot> {
    const chunks = await this.models.chunks.find({ snapId: doc.snapId }).sort({ seq: 1 }).lean();
    const data = new Uint8Array(doc.size);
    let at = 0;
    for (const chunk of chunks) {
      const bytes = toBytes(chunk.data);
      if (at + bytes.length > doc.size) break;
      data.set(bytes, at);
      at += bytes.length;
    }
    if (chunks.length !== doc.chunks || at !== doc.size || crc32(data) !== doc.crc) {
      throw new ReplicaLogError(
        'LOG_CORRUPT',
        `snapshot ${doc.index}/${doc.term} has missing or damaged chunks`,
        {
          index: doc.index,
        },
      );
    }
    return { metadata: { index: doc.index, term: doc.term, confState: { voters: [...doc.voters] } }, data };
  }

  private async termAt(index: number): Promise<number | undefined> {
    const doc = await this.models.entries.findOne({ index }).lean<EntryDoc | null>();
    return doc?.term;
  }

  private chunk(data: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (let at = 0; at < data.length; at += this.chunkBytes)
      out.push(asBuffer(data.subarray(at, at + this.chunkBytes)));
    return out;
  }
}

function toEntry(doc: EntryDoc): Entry {
  return { index: doc.index, term: doc.term, type: doc.type, data: toBytes(doc.data) };
}
