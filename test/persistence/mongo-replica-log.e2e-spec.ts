// MongoReplicaLog against a real MongoDB wire-protocol server (FerretDB here): the shared conformance suite,
// then the documents a crash can leave behind and how opening the log cleans them up.
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { MongoReplicaLog } from '@ossa/replica-log';
import { mongoUrlOrWarn } from '@ossa/testing';
import type { Entry, Snapshot } from '@ossa/consensus';
import { describeReplicaLogConformance } from '@ossa/consensus';

const mongoUrl = mongoUrlOrWarn('MongoReplicaLog on the MongoDB wire-protocol server');
const describeMongo = mongoUrl ? describe : describe.skip;

const entry = (index: number, term: number, text = `e${index}t${term}`): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(text),
});
const range = (from: number, to: number, term: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const brief = (es: Entry[]) => es.map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]);
const snapshotOf = (index: number, term: number, data: Uint8Array): Snapshot => ({
  metadata: { index, term, confState: { voters: ['a', 'b', 'c'] } },
  data,
});

describeMongo('MongoReplicaLog', () => {
  const suite = `t_rlog_${randomBytes(4).toString('hex')}`;
  let base: Connection;
  let databases = 0;
  const freshDatabase = () => base.useDb(`${suite}_${++databases}`, { useCache: false });

  beforeAll(async () => {
    base = await mongoose.createConnection(mongoUrl!, { dbName: suite, monitorCommands: true }).asPromise();
  });
  afterAll(async () => {
    await base.dropDatabase();
    await base.close();
  });

  describeReplicaLogConformance('mongo', async () => {
    const db = freshDatabase();
    let current = await MongoReplicaLog.open(db);
    return {
      log: current,
      reopen: async () => {
        await current.close();
        current = await MongoReplicaLog.open(db);
        return current;
      },
      cleanup: () => db.dropDatabase(),
    };
  });

  describe('storage layout and crash leftovers', () => {
    let db: Connection;
    beforeEach(() => {
      db = freshDatabase();
    });
    afterEach(async () => {
      await db.dropDatabase();
    });

    it('keeps one document per entry, unique by index', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 3, 1));
      const entries = db.collection('rlog_entries');
      expect(await entries.countDocuments()).toBe(3);
      await expect(
        entries.insertOne({ index: 2, term: 9, type: 'normal', data: Buffer.from('dup') }),
      ).rejects.toMatchObject({
        code: 11000,
      });
      await log.close();
    });

    it('sends every write with write concern majority and journaled', async () => {
      const writes: Array<{ command: string; writeConcern: unknown }> = [];
      const listener = (event: mongoose.mongo.CommandStartedEvent) => {
        if (event.databaseName === db.name && ['insert', 'update', 'delete'].includes(event.commandName)) {
          writes.push({ command: event.commandName, writeConcern: event.command.writeConcern });
        }
      };
      base.getClient().on('commandStarted', listener);
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 3, 1));
      await log.append([entry(3, 2)]);
      await log.saveHardState({ term: 2, vote: 'b', commit: 1 });
      await log.saveSnapshot(snapshotOf(2, 1, new TextEncoder().encode('s2')));
      await log.close();
      base.getClient().off('commandStarted', listener);

      expect(new Set(writes.map((w) => w.command))).toEqual(new Set(['insert', 'update', 'delete']));
      for (const w of writes)
        expect(w).toEqual({ command: w.command, writeConcern: { w: 'majority', j: true } });
    });

    it('stores a snapshot in chunks and reads it back whole after a reopen', async () => {
      const data = new Uint8Array(50).map((_, i) => i * 7);
      const log = await MongoReplicaLog.open(db, { snapshotChunkBytes: 16 });
      await log.append(range(1, 4, 1));
      await log.saveSnapshot(snapshotOf(3, 1, data));
      expect(await db.collection('rlog_snapshot_chunks').countDocuments()).toBe(4);
      await log.close();

      const reopened = await MongoReplicaLog.open(db, { snapshotChunkBytes: 16 });
      const state = await reopened.load();
      expect(Array.from(state.snapshot!.data)).toEqual(Array.from(data));
      expect(brief(state.entries)).toEqual(brief([entry(4, 1)]));
      expect(state.hardState.commit).toBe(3);
      await reopened.close();
    });

    it('treats a crash between the suffix delete and the insert as a shorter log', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 5, 1));
      await log.saveHardState({ term: 2, vote: 'a', commit: 2 });
      await log.close();
      // The first half of append([entry(4, 2), ...]): the conflicting suffix is gone, the new entries never came.
      await db.collection('rlog_entries').deleteMany({ index: { $gte: 4 } });

      const reopened = await MongoReplicaLog.open(db);
      expect(await reopened.lastIndex()).toBe(3);
      expect((await reopened.load()).hardState.commit).toBe(2);
      await reopened.append([entry(4, 2, 'new')]);
      expect(brief(await reopened.entries(1, 5))).toEqual(brief([...range(1, 3, 1), entry(4, 2, 'new')]));
      await reopened.close();
    });

    it('drops entries after a gap, entries a snapshot covers, and chunks no snapshot names', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 6, 1));
      await log.saveSnapshot(snapshotOf(2, 1, new TextEncoder().encode('s2')));
      await log.close();
      const entries = db.collection('rlog_entries');
      await entries.insertOne({ index: 1, term: 1, type: 'normal', data: Buffer.from('stale') });
      await entries.deleteOne({ index: 5 });
      await db
        .collection('rlog_snapshot_chunks')
        .insertOne({ snapId: 'orphan', seq: 0, data: Buffer.from('x') });

      const reopened = await MongoReplicaLog.open(db);
      expect(brief((await reopened.load()).entries)).toEqual(brief(range(3, 4, 1)));
      expect(await reopened.lastIndex()).toBe(4);
      expect((await entries.find().sort({ index: 1 }).toArray()).map((d) => d.index)).toEqual([3, 4]);
      expect(await db.collection('rlog_snapshot_chunks').countDocuments({ snapId: 'orphan' })).toBe(0);
      await reopened.close();
    });

    it('raises the commit index to the snapshot when a crash came before the hard-state update', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 4, 1));
      await log.saveSnapshot(snapshotOf(3, 1, new TextEncoder().encode('s3')));
      await log.close();
      await db.collection('rlog_hardstate').updateOne({ _id: 'hardState' as never }, { $set: { commit: 1 } });

      const reopened = await MongoReplicaLog.open(db);
      expect((await reopened.load()).hardState.commit).toBe(3);
      await reopened.close();
    });

    it('refuses to open when a chunk of the named snapshot is missing', async () => {
      const log = await MongoReplicaLog.open(db, { snapshotChunkBytes: 4 });
      await log.append(range(1, 2, 1));
      await log.saveSnapshot(snapshotOf(2, 1, new TextEncoder().encode('twelve bytes')));
      await log.close();
      await db.collection('rlog_snapshot_chunks').deleteOne({ seq: 1 });
      await expect(MongoReplicaLog.open(db)).rejects.toMatchObject({ code: 'LOG_CORRUPT' });
    });

    it('rejects a failed write with LOG_FAILED and re-reads the database on the next call', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.append(range(1, 2, 1));
      // Another writer took index 3, so the insert hits the unique index.
      await db
        .collection('rlog_entries')
        .insertOne({ index: 3, term: 5, type: 'normal', data: Buffer.from('other') });
      await expect(log.append([entry(3, 1)])).rejects.toMatchObject({ code: 'LOG_FAILED' });
      expect(await log.lastIndex()).toBe(3);
      expect(brief(await log.entries(3, 4))).toEqual(brief([entry(3, 5, 'other')]));
      await log.close();
    });

    it('refuses calls after close with LOG_CLOSED', async () => {
      const log = await MongoReplicaLog.open(db);
      await log.close();
      await expect(log.lastIndex()).rejects.toMatchObject({ code: 'LOG_CLOSED' });
    });
  });
});
