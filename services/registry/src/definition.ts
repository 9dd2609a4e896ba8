import type { ServiceDefinition } from '@ossa/runtime';
import { RegistryModule } from './registry.module';

export const registryService: ServiceDefinition = {
  name: 'registry',
  module: () => RegistryModule,
  usesMongo: true,
};
