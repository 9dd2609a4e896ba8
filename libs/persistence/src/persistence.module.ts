import { Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { HealthRegistry } from '@ossa/observability';
import { mongoHealthCheck } from './mongo-health';

export interface PersistenceOptions {
  /** mongodb:// URL of a MongoDB wire-protocol server. */
  url: string;
  /** The service's own database. */
  dbName: string;
  serverSelectionTimeoutMs?: number;
}

@Injectable()
class PersistenceHealth implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  onModuleInit(): void {
    this.health.register('mongodb', mongoHealthCheck(this.connection, this.indicators));
  }
}

/**
 * The mongoose connection of a service. Writes default to journaled, majority-acknowledged write concern;
 * no transactions, change streams or TTL indexes are used (FerretDB 1.x has none).
 */
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TerminusModule,
        MongooseModule.forRoot(options.url, {
          dbName: options.dbName,
          serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
          writeConcern: { w: 'majority', journal: true },
          autoIndex: true,
        }),
      ],
      providers: [PersistenceHealth],
      exports: [MongooseModule],
    };
  }
}

/** Database names are per service and per prefix, so tenants and test suites never share one. */
export function databaseName(prefix: string, service: string): string {
  return `${prefix}_${service}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63);
}
