import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { of, throwError, type Observable } from 'rxjs';
import { OssaError, type ErrorEnvelope } from '@ossa/contracts';
import type { Logger } from '@ossa/observability';
import { NatsContext } from '../transport/nats-context';

/**
 * The one exception filter: a failed request is answered `{error: {code, message, details}}`; an error that
 * is not an OssaError is logged and answered INTERNAL without its text. For stream messages and publishes
 * the error goes back to the transport, which retries or dead-letters the message.
 */
@Catch()
export class ErrorEnvelopeFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<ErrorEnvelope> {
    const context = host.switchToRpc().getContext<NatsContext>();
    const subject = context instanceof NatsContext ? context.getSubject() : '(unknown)';
    if (context instanceof NatsContext && context.getDelivery()) return throwError(() => exception);
    if (exception instanceof OssaError) return of(exception.toEnvelope());
    this.logger.error({ err: exception, subject }, 'request handler failed');
    return of(new OssaError('INTERNAL', `Internal error while handling ${subject}`).toEnvelope());
  }
}
