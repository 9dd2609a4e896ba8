// Public API of @ossa/replica-log: where a consensus replica keeps its Raft log — the embedded file adapter
// and the MongoDB adapter of the ReplicaLog port (the port and the memory adapter live in @ossa/consensus).
export { FileReplicaLog, type FileReplicaLogOptions } from './file-replica-log';
export type { RecoveryReport, CorruptionPolicy } from './file-recovery';
export { ReplicaLogError, type ReplicaLogErrorCode } from './errors';
export { MongoReplicaLog, type MongoReplicaLogOptions } from './mongo-replica-log';
