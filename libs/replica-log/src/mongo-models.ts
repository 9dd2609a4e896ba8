// The collections of one replica's MongoDB database (one database per replica, so no replica field).
import { mongo, Schema, type Connection, type Model } from 'mongoose';

export interface EntryDoc {
  index: number;
  term: number;
  type: 'normal' | 'confChange';
  data: Buffer;
}

export interface HardStateDoc {
  _id: string;
  term: number;
  vote: string | null;
  commit: number;
}

/** Names the chunks that hold the snapshot's bytes; written only after all of them are stored. */
export interface SnapshotDoc {
  _id: string;
  snapId: string;
  index: number;
  term: number;
  voters: string[];
  size: number;
  chunks: number;
  crc: number;
}

export interface ChunkDoc {
  snapId: string;
  seq: number;
  data: Buffer;
}

export interface ReplicaLogModels {
  entries: Model<EntryDoc>;
  hardState: Model<HardStateDoc>;
  snapshot: Model<SnapshotDoc>;
  chunks: Model<ChunkDoc>;
}

export const HARD_STATE_ID = 'hardState';
export const SNAPSHOT_ID = 'snapshot';

const entrySchema = new Schema<EntryDoc>(
  {
    index: { type: Number, required: true },
    term: { type: Number, required: true },
    type: { type: String, required: true, enum: ['normal', 'confChange'] },
    data: { type: Buffer, required: true },
  },
  { versionKey: false, autoIndex: false },
);
entrySchema.index({ index: 1 }, { unique: true });

const hardStateSchema = new Schema<HardStateDoc>(
  { _id: String, term: Number, vote: { type: String, default: null }, commit: Number },
  { versionKey: false, autoIndex: false },
);

const snapshotSchema = new Schema<SnapshotDoc>(
  {
    _id: String,
    snapId: String,
    index: Number,
    term: Number,
    voters: [String],
    size: Number,
    chunks: Number,
    crc: Number,
  },
  { versionKey: false, autoIndex: false },
);

const chunkSchema = new Schema<ChunkDoc>(
  { snapId: { type: String, required: true }, seq: { type: Number, required: true }, data: Buffer },
  { versionKey: false, autoIndex: false },
);
chunkSchema.index({ snapId: 1, seq: 1 }, { unique: true });

/** Registers (or reuses, on reopen) the models on this connection and creates their indexes. */
export async function replicaLogModels(connection: Connection, prefix: string): Promise<ReplicaLogModels> {
  const model = <T>(name: string, schema: Schema<T>): Model<T> =>
    (connection.models[`${prefix}${name}`] as Model<T> | undefined) ??
    connection.model<T>(`${prefix}${name}`, schema, `${prefix}${name}`);
  const models: ReplicaLogModels = {
    entries: model('entries', entrySchema),
    hardState: model('hardstate', hardStateSchema),
    snapshot: model('snapshot', snapshotSchema),
    chunks: model('snapshot_chunks', chunkSchema),
  };
  await models.entries.createIndexes();
  await models.chunks.createIndexes();
  return models;
}

/** lean() hands back BSON Binary values; the core wants plain bytes it owns. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof mongo.Binary) return new Uint8Array(value.buffer.subarray(0, value.position));
  throw new TypeError('stored bytes are neither a Buffer nor a BSON Binary');
}

export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
