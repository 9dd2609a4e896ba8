import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ServiceName } from '../services';

export const MAX_PING_HOLD_MS = 30_000;

/** `<prefix>.<service>.ping` request; an empty body is a valid ping. */
export class PingRequest {
  /** Keep the request in flight this long before answering: used to observe draining and load sharing. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PING_HOLD_MS)
  holdMs?: number;
}

export interface PingReply {
  service: ServiceName;
  instance: string;
  version: string;
  uptimeMs: number;
}
