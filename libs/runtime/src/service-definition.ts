import type { DynamicModule, Type } from '@nestjs/common';
import type { ServiceName } from '@ossa/contracts';
import type { ServiceConfig } from './service-config';

/** What a service contributes: its name, its feature module, and whether it keeps state in MongoDB. */
export interface ServiceDefinition {
  name: ServiceName;
  /** The service's feature module (handlers, domain wiring); may read the validated config. */
  module: (config: ServiceConfig) => Type<unknown> | DynamicModule;
  /** Connects the service's own database when MONGO_URL is set. */
  usesMongo?: boolean;
}
