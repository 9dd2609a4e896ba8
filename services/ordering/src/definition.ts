import type { ServiceDefinition } from '@ossa/runtime';
import { OrderingModule } from './ordering.module';

export const orderingService: ServiceDefinition = {
  name: 'ordering',
  module: () => OrderingModule,
  usesMongo: false,
};
