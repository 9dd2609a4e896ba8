import type { ServiceDefinition } from '@ossa/runtime';
import { ConsensusModule } from './consensus.module';
import { loadConsensusConfig } from './replica/consensus-config';

export const consensusService: ServiceDefinition = {
  name: 'consensus',
  module: (_config, env) => ConsensusModule.forRoot(env),
  // The replica's own subjects (`ossa.consensus.replica.<REPLICA_ID>.*`).
  tokens: (env) => ({ replicaId: loadConsensusConfig(env).REPLICA_ID }),
  // Each replica opens its own database (see ReplicaHost), not the shared per-service one.
  usesMongo: false,
};
