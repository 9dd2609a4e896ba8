import { MemoryLogStore } from './memory-log-store';
import { MemoryReplicaLog } from './memory-replica-log';
import { describeReplicaLogConformance } from './replica-log.conformance';

describeReplicaLogConformance('memory', async () => {
  const store = new MemoryLogStore();
  return { log: new MemoryReplicaLog(store), reopen: async () => new MemoryReplicaLog(store) };
});
