import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeReplicaLogConformance } from '@ossa/consensus';
import { FileReplicaLog } from './file-replica-log';

describeReplicaLogConformance('file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rlog-'));
  let current = await FileReplicaLog.open(dir);
  return {
    log: current,
    reopen: async () => {
      await current.close();
      current = await FileReplicaLog.open(dir);
      return current;
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
});
