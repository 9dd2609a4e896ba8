import { IsOptional, IsString, Matches } from 'class-validator';
import { SUBJECT_TOKEN_PATTERN } from '../channels';

const replicaIdMessage = 'replicaId must be 1-128 letters, digits, _ or - (a REPLICA_ID)';

/** `ossa.consensus.admin.replica.add` / `.remove` (admin only): the replica that joins or leaves the voters. */
export class ReplicaRefDto {
  @IsString({ message: replicaIdMessage }) @Matches(SUBJECT_TOKEN_PATTERN, { message: replicaIdMessage }) replicaId!: string;
}

/** `ossa.consensus.admin.leader.transfer` (admin only): the voter that should lead; absent, the most up-to-date one. */
export class LeaderTransferDto {
  @IsOptional() @IsString({ message: replicaIdMessage }) @Matches(SUBJECT_TOKEN_PATTERN, { message: replicaIdMessage }) replicaId?: string;
}

/** Reply of a membership change: sent once the configuration entry is committed and applied on the leader. */
export interface MembershipChangeReply {
  action: 'add' | 'remove';
  replicaId: string;
  /** Log index and term of the configuration entry. */
  index: number;
  term: number;
  /** The voters in force once the entry committed. */
  voters: string[];
  /** The replica that committed the change (a removed leader steps down right after). */
  committedBy: string;
}

/** Reply of a leadership transfer: sent once the target leads. */
export interface LeaderTransferReply {
  /** The replica that led when the transfer was asked. */
  from: string;
  leader: string;
  term: number;
}
