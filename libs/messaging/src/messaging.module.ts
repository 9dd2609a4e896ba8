import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HealthRegistry, MetricsRegistry, type Logger } from '@ossa/observability';
import { AuditPublisher } from './audit-publisher';
import { EventPublisher } from './event-publisher';
import { LedgerClient } from './ledger-client';
import { jetStreamHealthCheck, natsHealthCheck } from './health';
import { contractStreams, ensureStreams } from './jetstream-bootstrap';
import { LOGGER } from './logger.token';
import { NatsConnectionService } from './nats-connection';
import { NatsClient } from './client/nats-client';
import { SERVICE_IDENTITY, type ServiceIdentity } from './tokens';

export interface MessagingModuleOptions {
  connection: NatsConnectionService;
  identity: ServiceIdentity;
  logger: Logger;
}

/** Creates the contract streams before the transport subscribes, registers health checks, drains NATS last. */
@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const streams = await ensureStreams(this.nats.jsm, contractStreams(this.nats.subjects));
    this.logger.debug({ streams }, 'JetStream streams ready');
    this.health.register('nats', natsHealthCheck(this.nats, this.indicators));
    this.health.register('jetstream', jetStreamHealthCheck(this.nats, this.indicators));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nats.drain();
  }
}

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const source = `${options.identity.service}/${options.identity.instance}`;
    const client = new NatsClient(options.connection);
    const audit = new AuditPublisher(options.connection, source, options.logger);
    return {
      module: MessagingModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: NatsConnectionService, useValue: options.connection },
        { provide: SERVICE_IDENTITY, useValue: options.identity },
        { provide: LOGGER, useValue: options.logger },
        {
          provide: EventPublisher,
          inject: [MetricsRegistry],
          useFactory: (metrics: MetricsRegistry) => new EventPublisher(options.connection, source, metrics),
        },
        { provide: NatsClient, useValue: client },
        { provide: AuditPublisher, useValue: audit },
        { provide: LedgerClient, useValue: new LedgerClient(client, undefined, audit) },
        MessagingLifecycle,
      ],
      exports: [NatsConnectionService, SERVICE_IDENTITY, LOGGER, EventPublisher, AuditPublisher, NatsClient, LedgerClient],
    };
  }
}
