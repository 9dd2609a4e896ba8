import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { ErrorEnvelope } from '../errors';
import { LEDGER_OPS, type LedgerCommand, type LedgerOp } from '../vocabulary';

export type { LedgerCommand } from '../vocabulary';

export const MAX_LEDGER_VALUE_LENGTH = 256 * 1024;
export const MAX_LEDGER_KEY_LENGTH = 1024;
export const MAX_LEDGER_CLIENT_ID_LENGTH = 200;
/** Most commands in one `ossa.consensus.propose.batch` request. */
export const MAX_LEDGER_BATCH = 256;

/** `ossa.consensus.propose`: one command of the coordination ledger. */
export class LedgerCommandDto implements LedgerCommand {
  @IsIn(LEDGER_OPS, { message: 'op must be one of put, cas, delete' }) op!: LedgerOp;
  @IsString() @Length(1, MAX_LEDGER_KEY_LENGTH) key!: string;
  @ValidateIf((o: LedgerCommandDto) => o.op === 'put' || o.value !== undefined)
  @IsString({ message: 'value must be a string (required for put)' })
  @MaxLength(MAX_LEDGER_VALUE_LENGTH)
  value?: string;
  /** For cas: the value the key must hold now; absent means "no value yet". */
  @IsOptional() @IsString() @MaxLength(MAX_LEDGER_VALUE_LENGTH) expected?: string;
  @IsOptional() @IsString() @Length(1, MAX_LEDGER_CLIENT_ID_LENGTH) clientId?: string;
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) requestId?: number;
  /** For clients with several requests in flight: the lowest request id it has no answer for yet. */
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) firstOutstanding?: number;
}

/**
 * `ossa.consensus.propose.batch`: several commands in one request (a client sends the commands its callers
 * queued in one turn of its event loop). The replica proposes them together and answers each one.
 */
export class LedgerBatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LEDGER_BATCH)
  @ValidateNested({ each: true })
  @Type(() => LedgerCommandDto)
  commands!: LedgerCommandDto[];
}

/** `ossa.consensus.read` */
export class LedgerReadDto {
  @IsString() @Length(1, 1024) key!: string;
}

/** `ossa.consensus.replica.<id>.fault`, test only (CONSENSUS_FAULT_INJECTION=1): drop Raft traffic to and from these replicas. */
export class FaultDto {
  @IsString({ each: true }) isolate!: string[];
}

/** `ossa.consensus.propose` reply. */
export interface LedgerProposeReply {
  index: number;
  term: number;
  /** The replica that led when the command committed: clients may send their next command straight to it. */
  leader?: string;
  result: { applied: boolean; value: string | null };
}

/**
 * One command's outcome in a batch reply, in the order of the request: its reply as `ossa.consensus.propose`
 * gives it, its own error envelope, or `{resend: true}` when the answers together would not fit in one
 * message — that command was committed, and proposing it again alone with the same (clientId, requestId)
 * returns its answer from the session.
 */
export type LedgerBatchItem = LedgerProposeReply | ErrorEnvelope | { resend: true };

/** `ossa.consensus.propose.batch` reply. */
export interface LedgerBatchReply {
  results: LedgerBatchItem[];
}

/** What a service that records an outcome in the ledger reports about it. */
export interface LedgerRecord {
  committed: boolean;
  /** The consensus algorithm the request asked for, if any. */
  requested?: string;
  /** The algorithm that agreed on the record, or null when none was reachable. */
  used: string | null;
  key: string;
  index?: number;
  term?: number;
  /** Why it was not committed, or why another algorithm than the requested one was used. */
  note?: string;
}
