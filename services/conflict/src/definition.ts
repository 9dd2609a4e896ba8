import type { ServiceDefinition } from '@ossa/runtime';
import { ConflictModule } from './conflict.module';

export const conflictService: ServiceDefinition = {
  name: 'conflict',
  module: () => ConflictModule,
  usesMongo: false,
};
