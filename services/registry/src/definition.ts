import type { ServiceDefinition } from '@ossa/runtime';
import { RegistryModule } from './registry.module';

export const registryService: ServiceDefinition = {
  name: 'registry',
  module: (_config, env) => RegistryModule.forRoot(env),
  // The registry opens its own database connection (see RegistryModule) for agents and handoffs.
  usesMongo: false,
};
