import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { setTimeout as delay } from 'node:timers/promises';
import { PingRequest, type PingReply } from '@ossa/contracts';
import { onChannel, SERVICE_IDENTITY, type ServiceIdentity } from '@ossa/messaging';

/** `<prefix>.<service>.ping`: which instance answered, its version and uptime. */
@Controller()
export class PingController {
  constructor(@Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity) {}

  @MessagePattern(onChannel('servicePing'))
  async ping(@Payload() request: PingRequest): Promise<PingReply> {
    if (request.holdMs) await delay(request.holdMs);
    return {
      service: this.identity.service,
      instance: this.identity.instance,
      version: this.identity.version,
      uptimeMs: Date.now() - this.identity.startedAt,
    };
  }
}
