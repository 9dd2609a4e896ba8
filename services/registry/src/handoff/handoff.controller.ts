import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { HandoffRequestDto, TaskCompleteDto } from '@ossa/contracts';
import { actorOf, AuditPublisher, NatsContext, onChannel } from '@ossa/messaging';
import { assertActsAsItself } from '../agents/agent-scope';
import { HandoffService, type NegotiationRecord } from './handoff.service';

/** `ossa.registry.handoff.initiate` and `ossa.registry.task.complete`. */
@Controller()
export class HandoffController {
  constructor(
    @Inject(HandoffService) private readonly handoff: HandoffService,
    @Inject(AuditPublisher) private readonly audit: AuditPublisher,
  ) {}

  @MessagePattern(onChannel('registryHandoff'))
  initiate(@Payload() task: HandoffRequestDto, @Ctx() context?: NatsContext): Promise<NegotiationRecord> {
    // Journalled: if this process dies mid-negotiation, the sweep finishes the placement (placement-journal.ts).
    return this.handoff.negotiate(task, { actor: actorOf(context?.getCaller()), journal: 'open' });
  }

  @MessagePattern(onChannel('registryTaskComplete'))
  async complete(@Payload() dto: TaskCompleteDto, @Ctx() context?: NatsContext) {
    try {
      assertActsAsItself(context?.getCaller(), dto.agentId, 'agentId', 'complete tasks of');
    } catch (err) {
      await this.audit.record({
        action: 'refused',
        actor: actorOf(context?.getCaller()),
        outcome: 'refused',
        taskId: dto.taskId,
        agentId: dto.agentId,
        details: { request: 'task.complete', message: (err as Error).message },
      });
      throw err;
    }
    const done = await this.handoff.complete(
      dto.taskId,
      dto.agentId,
      dto.outcome === 'failed' ? 'failed' : 'completed',
      dto.result,
    );
    await this.audit.record({
      action: 'taskCompleted',
      actor: actorOf(context?.getCaller()),
      outcome: dto.outcome === 'failed' ? 'failed' : 'ok',
      taskId: dto.taskId,
      agentId: dto.agentId,
      ...(dto.result ? { details: { sealedResult: { kid: dto.result.sealed.kid, bytes: dto.result.sealed.ct.length } } } : {}),
    });
    return done;
  }
}
