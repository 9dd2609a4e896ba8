import { SetMetadata } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import type { MsgHdrs } from 'nats';
import type { ServiceName, Subjects } from '@ossa/contracts';

export const NATS_HANDLER_METADATA = 'ossa:nats-handler';

export interface NatsHandlerOptions {
  /** Request DTO: the body is validated against it (unknown fields refused) before the handler runs. */
  dto?: ClassConstructor<object>;
}

export interface NatsHandlerMetadata extends NatsHandlerOptions {
  subject: SubjectOf;
}

/** The subject of a handler, from the contract subjects and the service it runs in. */
export type SubjectOf = (subjects: Subjects, service: ServiceName) => string;

/** What a handler learns about the request besides its validated body. */
export interface RequestContext {
  subject: string;
  headers?: MsgHdrs;
  receivedAt: number;
}

/**
 * Marks a provider or controller method as the request/reply handler of a subject; every instance of the
 * service joins the service's queue group on it. The method receives the validated DTO and a RequestContext.
 */
export function NatsHandler(subject: SubjectOf, options: NatsHandlerOptions = {}): MethodDecorator {
  return SetMetadata(NATS_HANDLER_METADATA, { subject, ...options } satisfies NatsHandlerMetadata);
}
