import { IsIn, IsInt, IsOptional, IsString, Length, MaxLength, Min, ValidateIf } from 'class-validator';

export const MAX_LEDGER_VALUE_LENGTH = 256 * 1024;

/** `ossa.consensus.propose`: one command of the coordination ledger. */
export class LedgerCommandDto {
  @IsIn(['put', 'cas', 'delete'], { message: 'op must be one of put, cas, delete' }) op!: 'put' | 'cas' | 'delete';
  @IsString() @Length(1, 1024) key!: string;
  @ValidateIf((o: LedgerCommandDto) => o.op === 'put' || o.value !== undefined)
  @IsString({ message: 'value must be a string (required for put)' })
  @MaxLength(MAX_LEDGER_VALUE_LENGTH)
  value?: string;
  /** For cas: the value the key must hold now; absent means "no value yet". */
  @IsOptional() @IsString() @MaxLength(MAX_LEDGER_VALUE_LENGTH) expected?: string;
  @IsOptional() @IsString() @Length(1, 200) clientId?: string;
  @IsOptional() @IsInt() @Min(0) requestId?: number;
  /** For clients with several requests in flight: the lowest request id it has no answer for yet. */
  @IsOptional() @IsInt() @Min(0) firstOutstanding?: number;
}

/** `ossa.consensus.read` */
export class LedgerReadDto {
  @IsString() @Length(1, 1024) key!: string;
}

/** Test-only fault injection (CONSENSUS_FAULT_INJECTION=1): drop Raft traffic to and from these replicas. */
export class FaultDto {
  @IsString({ each: true }) isolate!: string[];
}
