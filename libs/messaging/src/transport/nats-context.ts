import { BaseRpcContext } from '@nestjs/microservices';
import type { MsgHdrs } from 'nats';
import type { Caller } from '../caller';

/** Delivery facts of a message read from a JetStream durable consumer. */
export interface StreamDelivery {
  /** 1 on the first delivery. */
  deliveryCount: number;
  streamSequence: number;
  /** Tells the server the handler is still at work, so ack_wait starts again. */
  working(): void;
}

type ContextArgs = [
  subject: string,
  headers: MsgHdrs | undefined,
  receivedAt: number,
  delivery: StreamDelivery | undefined,
  caller?: Caller,
];

/** `@Ctx()` of every OSSA handler: the subject, the headers, when it arrived and, for streams, its delivery. */
export class NatsContext extends BaseRpcContext<ContextArgs> {
  getSubject(): string {
    return this.args[0];
  }

  getHeaders(): MsgHdrs | undefined {
    return this.args[1];
  }

  getReceivedAt(): number {
    return this.args[2];
  }

  /** Set for JetStream messages only. */
  getDelivery(): StreamDelivery | undefined {
    return this.args[3];
  }

  /** Who sent it, when it came on a caller-scoped subject (`<prefix>.as.<kind>.<id>.…`) the server proved. */
  getCaller(): Caller | undefined {
    return this.args[4];
  }
}
