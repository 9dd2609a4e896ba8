import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import mongoose from 'mongoose';
import { LOGGER, NatsConnectionService } from '@ossa/messaging';
import { HealthRegistry, type Logger } from '@ossa/observability';
import { databaseName, mongoHealthCheck } from '@ossa/persistence';
import { ServiceConfig } from '@ossa/runtime';
import type { RegistryStore } from './agents/agent.record';
import { AgentsController } from './agents/agents.controller';
import { KvRegistryStore, registryBuckets } from './agents/kv-registry.store';
import { MongoRegistryStore } from './agents/mongo-registry.store';
import { AgentDirectory } from './agents/agent-directory';
import { AGENT_GATEWAY, NatsAgentGateway } from './handoff/agent.gateway';
import { ListenerMemory } from './handoff/bidding';
import { FailoverService } from './handoff/failover.service';
import { HandoffController } from './handoff/handoff.controller';
import { HandoffService } from './handoff/handoff.service';
import { KvPlacementJournal, PLACEMENT_JOURNAL } from './handoff/placement-journal';
import { RegistryWorkers } from './handoff/registry-workers';
import { InvalidTaskFilter, TasksController } from './handoff/tasks.controller';
import { loadRegistryConfig, RegistryConfig } from './registry-config';
import { RegistryMetrics } from './registry.metrics';
import { REGISTRY_STORE } from './registry.tokens';

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(REGISTRY_STORE) private readonly store: RegistryStore & { connection?: mongoose.Connection }) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    await this.store.connection?.close();
  }
}

/** Agents and handoff negotiation over `ossa.registry.*` and the `OSSA_TASKS` stream. */
@Module({})
export class RegistryModule {
  static forRoot(env: Record<string, string | undefined>): DynamicModule {
    return {
      module: RegistryModule,
      imports: [TerminusModule],
      controllers: [AgentsController, HandoffController, TasksController],
      providers: [
        { provide: RegistryConfig, useValue: loadRegistryConfig(env) },
        {
          provide: REGISTRY_STORE,
          inject: [ServiceConfig, HealthRegistry, HealthIndicatorService, LOGGER, NatsConnectionService],
          useFactory: async (config: ServiceConfig, health: HealthRegistry, indicators: HealthIndicatorService, logger: Logger, nats: NatsConnectionService): Promise<RegistryStore> => {
            if (!config.MONGO_URL) {
              // Durable without MongoDB: key-value buckets on the NATS server the system needs anyway.
              const store = await KvRegistryStore.open(nats.js, nats.subjects.prefix);
              logger.info({ buckets: registryBuckets(nats.subjects.prefix) }, 'MONGO_URL is not set: agents, handoffs and the placement journal are kept in JetStream key-value buckets');
              return store;
            }
            const connection = await mongoose.createConnection(config.MONGO_URL, { dbName: databaseName(config.MONGO_DB_PREFIX, 'registry'), serverSelectionTimeoutMS: 5000 }).asPromise();
            health.register('mongodb', mongoHealthCheck(connection, indicators));
            return Object.assign(await MongoRegistryStore.open(connection), { connection });
          },
        },
        {
          // With any store: the journal is written twice per request-reply handoff (placement-journal.ts).
          provide: PLACEMENT_JOURNAL,
          inject: [NatsConnectionService],
          useFactory: (nats: NatsConnectionService) => KvPlacementJournal.open(nats.js, nats.subjects.prefix),
        },
        RegistryMetrics,
        AgentDirectory,
        { provide: ListenerMemory, inject: [RegistryConfig], useFactory: (config: RegistryConfig) => new ListenerMemory(config.LISTENER_RECHECK_MS) },
        { provide: AGENT_GATEWAY, useClass: NatsAgentGateway },
        HandoffService,
        FailoverService,
        RegistryWorkers,
        InvalidTaskFilter,
        StoreCloser,
      ],
    };
  }
}
