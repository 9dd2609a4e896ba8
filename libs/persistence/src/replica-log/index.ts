export { FileReplicaLog, type FileReplicaLogOptions } from './file-replica-log';
export type { RecoveryReport, CorruptionPolicy } from './file-recovery';
export { ReplicaLogError, type ReplicaLogErrorCode } from './errors';
export { MongoReplicaLog, type MongoReplicaLogOptions } from './mongo-replica-log';
