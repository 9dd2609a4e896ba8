import type { DynamicModule, Type } from '@nestjs/common';
import type { ServiceName } from '@ossa/contracts';
import type { ConsumerSettings } from '@ossa/messaging';
import type { ServiceConfig } from './service-config';

/** What a service contributes: its name, its feature module, and whether it keeps state in MongoDB. */
export interface ServiceDefinition {
  name: ServiceName;
  /** The service's feature module (handlers, domain wiring); may read the validated config. */
  module: (config: ServiceConfig, env: Record<string, string | undefined>) => Type<unknown> | DynamicModule;
  /** Variables set for this service only (for example one consensus replica among several in one process). */
  env?: (base: Record<string, string | undefined>) => Record<string, string>;
  /** Values of the `{tokens}` its handlers' subjects leave open (a replica's `{replicaId}`). */
  tokens?: (env: Record<string, string | undefined>) => Record<string, string>;
  /** Run-time settings of its durable consumers, by durable name (they win over the handlers' defaults). */
  consumerSettings?: (env: Record<string, string | undefined>) => Record<string, ConsumerSettings>;
  /** Connects the service's own database when MONGO_URL is set. */
  usesMongo?: boolean;
}
