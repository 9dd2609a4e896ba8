import { Catch, Controller, Inject, Injectable, UseFilters, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import { EVENT_NAMES, HandoffRequestDto, OssaError } from '@ossa/contracts';
import { actorOf, ANY_TOKEN, EventPublisher, LOGGER, NatsContext, onStream, PermanentMessageError, type HandlerExtras } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { RegistryMetrics } from '../registry.metrics';
import { RegistryWorkers } from './registry-workers';

/** Durable name of the registry's consumer of `ossa.tasks.submit`; its ack_wait comes from TASK_ACK_WAIT_MS. */
export const TASKS_DURABLE = 'registry-handoff';
/** Durable name of its consumer of `ossa.as.client.*.tasks.submit` (tasks whose submitter the subject proves). */
export const TASKS_AS_DURABLE = 'registry-handoff-as';

const SUBMIT_CONSUMER: HandlerExtras = {
  consumer: { maxDeliver: 10_000, backoffMs: [250, 500, 1000, 2000, 5000, 10_000], concurrency: 16 },
};

/** A task that will never be valid: `handoffFailed` for whoever watches, then dead-lettered at once. */
@Injectable()
@Catch(OssaError)
export class InvalidTaskFilter implements RpcExceptionFilter<OssaError> {
  constructor(
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(RegistryMetrics) private readonly metrics: RegistryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(error: OssaError, host: ArgumentsHost): Observable<never> {
    if (error.code !== 'VALIDATION_FAILED') return throwError(() => error);
    const sequence = host.switchToRpc().getContext<NatsContext>().getDelivery()?.streamSequence;
    this.metrics.failed('validation');
    const event = { taskId: null, reason: 'VALIDATION_FAILED', details: error.details };
    return from(this.events.publish(EVENT_NAMES.handoffFailed, event, { id: `handoffFailed:invalid:${sequence}` })).pipe(
      catchError((err: unknown) => {
        this.logger.warn({ err }, 'handoffFailed for an invalid task not published');
        return of(null);
      }),
      mergeMap(() => throwError(() => new PermanentMessageError(`invalid task request: ${error.details.map((d) => d.field).join(', ')}`))),
    );
  }
}

/** Tasks clients publish to `ossa.tasks.submit` (stream OSSA_TASKS), placed by handoff negotiation. */
@Controller()
export class TasksController {
  constructor(@Inject(RegistryWorkers) private readonly workers: RegistryWorkers) {}

  /** The plain subject names no one: in secure mode only services and admins may publish it. */
  @EventPattern(onStream('tasksSubmit', TASKS_DURABLE), SUBMIT_CONSUMER)
  @UseFilters(InvalidTaskFilter)
  submitted(@Payload() task: HandoffRequestDto, @Ctx() context: NatsContext): Promise<void> {
    return this.workers.placeSubmitted(task, context.getDelivery());
  }

  /** `ossa.as.client.<id>.tasks.submit`: the server lets only client `<id>` publish there, so it is on record. */
  @EventPattern(onStream('tasksSubmitAs', TASKS_AS_DURABLE, { clientId: ANY_TOKEN }), SUBMIT_CONSUMER)
  @UseFilters(InvalidTaskFilter)
  submittedAs(@Payload() task: HandoffRequestDto, @Ctx() context: NatsContext): Promise<void> {
    return this.workers.placeSubmitted(task, context.getDelivery(), actorOf(context.getCaller()));
  }
}
