import type { ServiceDefinition } from '@ossa/runtime';
import { ConsensusModule } from './consensus.module';

export const consensusService: ServiceDefinition = {
  name: 'consensus',
  module: (_config, env) => ConsensusModule.forRoot(env),
  // Each replica opens its own database (see ReplicaHost), not the shared per-service one.
  usesMongo: false,
};
