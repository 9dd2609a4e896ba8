import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { PingRequest, type PingReply } from '@ossa/contracts';
import { NatsHandler, SERVICE_IDENTITY, type ServiceIdentity } from '@ossa/messaging';

/** `<prefix>.<service>.ping`: which instance answered, its version and uptime. */
@Injectable()
export class PingHandler {
  constructor(@Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity) {}

  @NatsHandler((subjects, service) => subjects.ping(service), { dto: PingRequest })
  async ping(request: PingRequest): Promise<PingReply> {
    if (request.holdMs) await delay(request.holdMs);
    return {
      service: this.identity.service,
      instance: this.identity.instance,
      version: this.identity.version,
      uptimeMs: Date.now() - this.identity.startedAt,
    };
  }
}
