import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { subjectsFor } from '@ossa/contracts';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, httpGet, mongoUrlOrWarn, serviceEnv, testConnection, uniquePrefix } from '@ossa/testing';
import { registryService } from '../../services/registry/src/definition';

const mongoUrl = mongoUrlOrWarn('mongoose on the MongoDB wire-protocol server');
const describeMongo = mongoUrl ? describe : describe.skip;

interface Entry {
  replica: string;
  index: number;
  term: number;
  payload: { op: string; key: string; value?: string };
  at: Date;
}

describeMongo('mongoose against the MongoDB wire-protocol server', () => {
  const dbName = `t_mongo_${randomBytes(4).toString('hex')}`;
  let connection: Connection;
  const EntrySchema = new Schema<Entry>({
    replica: { type: String, required: true },
    index: { type: Number, required: true },
    term: { type: Number, required: true },
    payload: { op: String, key: String, value: String },
    at: { type: Date, required: true },
  });
  EntrySchema.index({ replica: 1, index: 1 }, { unique: true });

  beforeAll(async () => {
    connection = await mongoose.createConnection(mongoUrl!, { dbName, writeConcern: { w: 'majority', journal: true } }).asPromise();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('round-trips nested documents, dates and numbers', async () => {
    const Entries = connection.model<Entry>('RoundTrip', EntrySchema);
    await Entries.init();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const created = await Entries.create({ replica: 'r1', index: 1, term: 3, payload: { op: 'put', key: 'task-1', value: 'agent-7' }, at });
    const found = await Entries.findById(created._id).lean();
    expect(found).toMatchObject({ replica: 'r1', index: 1, term: 3, payload: { op: 'put', key: 'task-1', value: 'agent-7' } });
    expect(found!.at.toISOString()).toBe(at.toISOString());
  });

  it('enforces a unique compound index', async () => {
    const Entries = connection.model<Entry>('Unique', EntrySchema);
    await Entries.init();
    const base = { replica: 'r1', term: 1, payload: { op: 'put', key: 'k' }, at: new Date() };
    await Entries.create({ ...base, index: 1 });
    await expect(Entries.create({ ...base, index: 1 })).rejects.toMatchObject({ code: 11000 });
    await Entries.create({ ...base, replica: 'r2', index: 1 });
    expect(await Entries.countDocuments()).toBe(2);
  });

  it('answers sorted range queries, and deletes a suffix by range', async () => {
    const Entries = connection.model<Entry>('Range', EntrySchema);
    await Entries.init();
    const docs = [7, 3, 9, 1, 5, 2, 8, 6, 4, 10].map((index) => ({
      replica: 'r1',
      index,
      term: Math.ceil(index / 4),
      payload: { op: 'put', key: `k${index}` },
      at: new Date(),
    }));
    await Entries.insertMany(docs);
    const middle = await Entries.find({ replica: 'r1', index: { $gte: 3, $lt: 8 } }).sort({ index: 1 }).lean();
    expect(middle.map((d) => d.index)).toEqual([3, 4, 5, 6, 7]);
    const lastTwo = await Entries.find({ replica: 'r1' }).sort({ index: -1 }).limit(2).lean();
    expect(lastTwo.map((d) => d.index)).toEqual([10, 9]);
    const removed = await Entries.deleteMany({ replica: 'r1', index: { $gte: 8 } });
    expect(removed.deletedCount).toBe(3);
    const rest = await Entries.find({ replica: 'r1' }).sort({ index: 1 }).lean();
    expect(rest.map((d) => d.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describeMongo('a service with MONGO_URL', () => {
  const prefix = uniquePrefix('mongo-health');
  let service: RunningService;

  beforeAll(async () => {
    service = await startService(registryService, serviceEnv(prefix, { MONGO_URL: mongoUrl! }));
  });

  afterAll(async () => {
    await service.close();
    const db = await mongoose.createConnection(mongoUrl!, { dbName: `${prefix.replace(/-/g, '_')}_registry` }).asPromise();
    await db.dropDatabase();
    await db.close();
    const nc = await testConnection();
    await deleteStreams(nc, subjectsFor(prefix));
    await nc.drain();
  });

  it('connects its own database and reports MongoDB in /health', async () => {
    const res = await httpGet(`${service.httpUrl}/health`);
    const body = res.json<{ status: string; info: Record<string, { status: string; database?: string }> }>();
    expect(res.status).toBe(200);
    expect(body.info.mongodb).toMatchObject({ status: 'up', database: `${prefix.replace(/-/g, '_')}_registry` });
  });
});
