import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { HandoffRequestDto, OssaError, TaskCompleteDto } from '@ossa/contracts';
import { LedgerClient, onChannel } from '@ossa/messaging';
import type { RegistryStore } from '../agents/agent.record';
import { REGISTRY_STORE } from '../registry.tokens';
import { HandoffService, type NegotiationRecord } from './handoff.service';

/** `ossa.registry.handoff.initiate` and `ossa.registry.task.complete`. */
@Controller()
export class HandoffController {
  constructor(
    @Inject(HandoffService) private readonly handoff: HandoffService,
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
  ) {}

  @MessagePattern(onChannel('registryHandoff'))
  initiate(@Payload() task: HandoffRequestDto): Promise<NegotiationRecord> {
    return this.handoff.negotiate(task);
  }

  @MessagePattern(onChannel('registryTaskComplete'))
  async complete(@Payload() dto: TaskCompleteDto) {
    const done = await this.store.completeHandoff(dto.taskId, dto.agentId, dto.outcome === 'failed' ? 'failed' : 'completed', new Date().toISOString());
    if (!done) {
      throw new OssaError('NOT_FOUND', `Task ${dto.taskId} is not in flight on agent ${dto.agentId}`, [{ field: 'taskId', message: 'not assigned to this agent', value: dto.taskId }]);
    }
    const agent = await this.handoff.adjustLoad(dto.agentId, -1);
    await this.ledger.compareAndSet(`handoff/task/${dto.taskId}/status`, undefined, done.status).catch(() => null);
    return { taskId: dto.taskId, agentId: dto.agentId, status: done.status, currentLoad: agent?.currentLoad ?? null };
  }
}
