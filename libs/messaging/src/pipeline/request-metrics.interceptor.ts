import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { isErrorEnvelope, OssaError } from '@ossa/contracts';
import { MetricsRegistry } from '@ossa/observability';
import { NatsContext } from '../transport/nats-context';

/** Requests in flight, their duration and outcome (`ok` or the error code), by subject. */
@Injectable()
export class RequestMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsRegistry) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToRpc().getContext<unknown>();
    if (!(ctx instanceof NatsContext)) return next.handle();
    const subject = ctx.getSubject();
    const stopTimer = this.metrics.requestDuration.startTimer({ subject });
    this.metrics.inFlight.inc({ subject });
    let done = false;
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      this.metrics.inFlight.dec({ subject });
      this.metrics.requests.inc({ subject, outcome });
      stopTimer();
    };
    return next.handle().pipe(
      tap({
        next: (value) => finish(isErrorEnvelope(value) ? value.error.code : 'ok'),
        error: (err: unknown) => finish(err instanceof OssaError ? err.code : 'INTERNAL'),
        complete: () => finish('ok'),
        unsubscribe: () => finish('cancelled'),
      }),
    );
  }
}
