import type { ServiceDefinition } from '@ossa/runtime';
import { ConsensusModule } from './consensus.module';

export const consensusService: ServiceDefinition = {
  name: 'consensus',
  module: () => ConsensusModule,
  usesMongo: true,
};
