// fsync discipline for the file adapter: a file is renamed into place only after its bytes are on disk,
// and the directory is synced after the rename so the new name survives a crash too.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ReplicaLogError } from './errors';
import { readRecord, SNAPSHOT_MAGIC, encodeRecord } from './record-codec';
import type { Snapshot } from '@ossa/consensus';

export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes chunks to `<file>.tmp`, fsyncs it, renames it over file and fsyncs the directory. */
export async function writeFileAtomic(file: string, chunks: Buffer[]): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await writeFully(handle, Buffer.concat(chunks), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** FileHandle.write may write less than asked; loop until every byte is written. */
export async function writeFully(handle: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

export function encodeSnapshotFile(snapshot: Snapshot): Buffer[] {
  return [SNAPSHOT_MAGIC, encodeRecord({ kind: 'snapshotData', snapshot })];
}

/** The snapshot in file, null when there is none; throws LOG_CORRUPT when it is damaged. */
export async function readSnapshotFile(file: string): Promise<Snapshot | null> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const magicOk = buf.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC);
  const read = magicOk ? readRecord(buf, SNAPSHOT_MAGIC.length) : null;
  if (!read?.ok || read.record.kind !== 'snapshotData' || read.next !== buf.length) {
    const reason = !magicOk ? 'bad magic' : read && !read.ok ? read.reason : 'unexpected content';
    throw new ReplicaLogError(
      'LOG_CORRUPT',
      `snapshot file ${file} is damaged (${reason}); restore it from a peer`,
      {
        path: file,
      },
    );
  }
  return read.record.snapshot;
}
