// Crash recovery, damage detection and compaction of the file adapter, beyond the shared conformance suite.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entry, Snapshot } from '@ossa/consensus';
import { FileReplicaLog } from './file-replica-log';
import type { RecoveryReport } from './file-recovery';

const entry = (index: number, term: number, text = `e${index}t${term}`): Entry => ({
  index,
  term,
  type: index % 5 === 0 ? 'confChange' : 'normal',
  data: new TextEncoder().encode(text),
});
const range = (from: number, to: number, term: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const snapshotAt = (index: number, term: number, text = `state@${index}`): Snapshot => ({
  metadata: { index, term, confState: { voters: ['a', 'b', 'c'] } },
  data: new TextEncoder().encode(text),
});
const brief = (es: Entry[]) => es.map((e) => [e.index, e.term, e.type, new TextDecoder().decode(e.data)]);

describe('FileReplicaLog recovery and compaction', () => {
  let dir: string;
  let logFile: string;
  const open: FileReplicaLog[] = [];
  const openLog = async (options = {}) => {
    const log = await FileReplicaLog.open(dir, options);
    open.push(log);
    return log;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rlog-rec-'));
    logFile = path.join(dir, 'replica.log');
  });
  afterEach(async () => {
    for (const log of open.splice(0)) await log.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reopens after close with the same entries, hard state and snapshot', async () => {
    const log = await openLog();
    await log.append(range(1, 6, 1));
    await log.append([entry(5, 2, 'replaced'), entry(6, 2)]);
    await log.saveSnapshot(snapshotAt(2, 1));
    await log.saveHardState({ term: 2, vote: 'c', commit: 4 });
    await log.append([entry(7, 2)]);
    const before = await log.load();
    await log.close();

    const reopened = await openLog();
    const after = await reopened.load();
    expect(after.hardState).toEqual(before.hardState);
    expect(after.snapshot?.metadata).toEqual(before.snapshot?.metadata);
    expect(new TextDecoder().decode(after.snapshot?.data)).toBe('state@2');
    expect(brief(after.entries)).toEqual(brief(before.entries));
    expect(reopened.recovery.damage).toBeNull();
  });

  it('makes concurrent writes durable in call order (group commit)', async () => {
    const log = await openLog();
    await Promise.all([
      log.append(range(1, 3, 1)),
      log.saveHardState({ term: 1, vote: 'a', commit: 0 }),
      log.append([entry(3, 2, 'x')]),
      log.saveHardState({ term: 2, vote: null, commit: 2 }),
    ]);
    await log.close();
    const state = await (await openLog()).load();
    expect(brief(state.entries)).toEqual(brief([entry(1, 1), entry(2, 1), entry(3, 2, 'x')]));
    expect(state.hardState).toEqual({ term: 2, vote: null, commit: 2 });
  });

  it('recovers a torn tail to the last whole record and truncates the file there', async () => {
    const log = await openLog();
    await log.append(range(1, 2, 1));
    const wholeBytes = log.fileBytes;
    await log.append(range(3, 4, 1));
    await log.close();
    await fs.truncate(logFile, (await fs.stat(logFile)).size - 3);

    const reports: RecoveryReport[] = [];
    const reopened = await openLog({ onRecovery: (r: RecoveryReport) => reports.push(r) });
    expect(brief((await reopened.load()).entries)).toEqual(brief(range(1, 2, 1)));
    expect(reopened.recovery.damage).toMatchObject({ kind: 'torn', offset: wholeBytes });
    expect(reports).toEqual([reopened.recovery]);
    expect((await fs.stat(logFile)).size).toBe(wholeBytes);

    await reopened.append([entry(3, 2)]);
    await reopened.close();
    const again = await openLog();
    expect(again.recovery.damage).toBeNull();
    expect(await again.lastIndex()).toBe(3);
  });

  it('recovers from garbage appended after the last record', async () => {
    const log = await openLog();
    await log.append(range(1, 3, 1));
    await log.saveHardState({ term: 1, vote: 'b', commit: 2 });
    const wholeBytes = log.fileBytes;
    await log.close();
    await fs.appendFile(logFile, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]));

    const reopened = await openLog();
    expect(reopened.recovery).toMatchObject({
      damage: { kind: 'torn' },
      keptBytes: wholeBytes,
      droppedBytes: 10,
    });
    expect((await reopened.load()).hardState).toEqual({ term: 1, vote: 'b', commit: 2 });
    expect(await reopened.lastIndex()).toBe(3);
  });

  it("with onCorruption 'truncate', keeps the prefix before a flipped byte in the middle and reports it as corrupt", async () => {
    const log = await openLog();
    await log.append(range(1, 2, 1));
    const damagedAt = log.fileBytes;
    await log.append(range(3, 4, 1));
    await log.append(range(5, 6, 1));
    await log.close();
    const bytes = await fs.readFile(logFile);
    bytes[damagedAt + 12] ^= 0x40;
    await fs.writeFile(logFile, bytes);

    const reopened = await openLog({ onCorruption: 'truncate' });
    expect(reopened.recovery.damage).toEqual({
      kind: 'corrupt',
      offset: damagedAt,
      reason: 'checksum mismatch',
    });
    expect(reopened.recovery.droppedBytes).toBe(bytes.length - damagedAt);
    expect(brief((await reopened.load()).entries)).toEqual(brief(range(1, 2, 1)));
  });

  it('refuses by default to open a log damaged before its tail, naming file, offset and the recovery, leaving the file as it was', async () => {
    const log = await openLog();
    await log.append(range(1, 2, 1));
    const damagedAt = log.fileBytes;
    await log.append(range(3, 4, 1));
    await log.saveHardState({ term: 1, vote: null, commit: 4 });
    await log.close();
    const bytes = await fs.readFile(logFile);
    bytes[damagedAt + 1] ^= 0x01;
    await fs.writeFile(logFile, bytes);

    const refused = FileReplicaLog.open(dir);
    await expect(refused).rejects.toMatchObject({
      code: 'LOG_CORRUPT',
      details: { path: logFile, offset: damagedAt },
    });
    await expect(refused).rejects.toThrow(`${logFile} is damaged at byte ${damagedAt}`);
    await expect(refused).rejects.toThrow(`delete the directory ${dir}`);
    expect(await fs.readFile(logFile)).toEqual(bytes);
  });

  it('rewrites the log without covered entries when a snapshot is saved', async () => {
    const log = await openLog();
    await log.append(range(1, 40, 1));
    const grown = log.fileBytes;
    await log.saveSnapshot(snapshotAt(38, 1));
    expect((await fs.stat(logFile)).size).toBe(log.fileBytes);
    expect(log.fileBytes).toBeLessThan(grown / 4);
    await log.append([entry(41, 2)]);
    await log.close();

    const reopened = await openLog();
    expect(brief((await reopened.load()).entries)).toEqual(brief([entry(39, 1), entry(40, 1), entry(41, 2)]));
    expect((await reopened.load()).hardState.commit).toBe(38);
  });

  it('rewrites the log once it passes the threshold with mostly dead records, and keeps working after', async () => {
    const log = await openLog({ compactBytes: 4096 });
    await log.append(range(1, 3, 1));
    let largest = 0;
    for (let commit = 1; commit <= 300; commit++) {
      await log.saveHardState({ term: 1, vote: 'a', commit: commit % 4 });
      largest = Math.max(largest, log.fileBytes);
    }
    // 300 hard-state records are about 8 KiB; without rewrites the file would pass the threshold.
    expect(largest).toBeLessThanOrEqual(4096 + 64);
    expect((await fs.stat(logFile)).size).toBe(log.fileBytes);
    await log.append([entry(4, 2)]);
    await log.close();

    const reopened = await openLog();
    const state = await reopened.load();
    expect(state.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(brief(state.entries)).toEqual(brief([...range(1, 3, 1), entry(4, 2)]));
    expect(reopened.recovery.damage).toBeNull();
  });

  it('adopts a snapshot file the log does not name yet (crash between snapshot rename and log rewrite)', async () => {
    const log = await openLog();
    await log.append(range(1, 5, 1));
    await log.saveHardState({ term: 1, vote: 'a', commit: 3 });
    await log.close();
    const logBeforeSnapshot = await fs.readFile(logFile);
    const snapshotting = await openLog();
    await snapshotting.saveSnapshot(snapshotAt(3, 1));
    await snapshotting.close();
    await fs.writeFile(logFile, logBeforeSnapshot);

    const reopened = await openLog();
    expect(reopened.recovery.adoptedSnapshot).toBe(true);
    const state = await reopened.load();
    expect(state.snapshot?.metadata.index).toBe(3);
    expect(brief(state.entries)).toEqual(brief(range(4, 5, 1)));
    await reopened.close();
    expect((await openLog()).recovery.adoptedSnapshot).toBe(false);
  });

  it('refuses to open when the snapshot file the log names is missing', async () => {
    const log = await openLog();
    await log.append(range(1, 3, 1));
    await log.saveSnapshot(snapshotAt(2, 1));
    await log.close();
    await fs.rm(path.join(dir, 'snapshot.bin'));
    await expect(FileReplicaLog.open(dir)).rejects.toMatchObject({ code: 'LOG_CORRUPT' });
  });

  it('removes temp files left by a crash during a rewrite', async () => {
    const log = await openLog();
    await log.append(range(1, 2, 1));
    await log.close();
    await fs.writeFile(path.join(dir, 'replica.log.tmp'), 'half a rewrite');
    const reopened = await openLog();
    expect(await reopened.lastIndex()).toBe(2);
    expect((await fs.readdir(dir)).sort()).toEqual(['replica.log']);
  });

  it('fails every later call with LOG_FAILED once a write failed, since memory may be ahead of disk', async () => {
    const log = await openLog();
    await log.append(range(1, 2, 1));
    await fs.rm(dir, { recursive: true, force: true });
    await expect(log.saveSnapshot(snapshotAt(1, 1))).rejects.toMatchObject({ code: 'LOG_FAILED' });
    await expect(log.append([entry(3, 1)])).rejects.toMatchObject({ code: 'LOG_FAILED' });
    await expect(log.load()).rejects.toMatchObject({ code: 'LOG_FAILED' });
  });

  it('refuses calls after close with LOG_CLOSED', async () => {
    const log = await FileReplicaLog.open(dir);
    await log.close();
    await expect(log.append([entry(1, 1)])).rejects.toMatchObject({ code: 'LOG_CLOSED' });
    await expect(log.load()).rejects.toMatchObject({ code: 'LOG_CLOSED' });
  });
});
