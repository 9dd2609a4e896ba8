import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { HandoffRequestDto, TaskCompleteDto } from '@ossa/contracts';
import { onChannel } from '@ossa/messaging';
import { HandoffService, type NegotiationRecord } from './handoff.service';

/** `ossa.registry.handoff.initiate` and `ossa.registry.task.complete`. */
@Controller()
export class HandoffController {
  constructor(@Inject(HandoffService) private readonly handoff: HandoffService) {}

  @MessagePattern(onChannel('registryHandoff'))
  initiate(@Payload() task: HandoffRequestDto): Promise<NegotiationRecord> {
    return this.handoff.negotiate(task);
  }

  @MessagePattern(onChannel('registryTaskComplete'))
  complete(@Payload() dto: TaskCompleteDto) {
    return this.handoff.complete(dto.taskId, dto.agentId, dto.outcome === 'failed' ? 'failed' : 'completed');
  }
}
