import type { ServiceDefinition } from '@ossa/runtime';
import { TransportHealthModule } from './transport-health.module';

export const transportHealthService: ServiceDefinition = {
  name: 'transport-health',
  module: () => TransportHealthModule,
  usesMongo: false,
};
