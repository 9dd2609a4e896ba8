import { Module, type DynamicModule } from '@nestjs/common';
import { loadConsensusConfig, ConsensusConfig } from './replica/consensus-config';
import { ConsensusHandlers } from './replica/consensus.handlers';
import { ConsensusMetrics } from './replica/consensus.metrics';
import { ReplicaHost } from './replica/replica-host';

/** One Raft replica of the coordination ledger, configured by REPLICA_ID and CONSENSUS_PEERS. */
@Module({})
export class ConsensusModule {
  static forRoot(env: Record<string, string | undefined>): DynamicModule {
    return {
      module: ConsensusModule,
      providers: [{ provide: ConsensusConfig, useValue: loadConsensusConfig(env) }, ReplicaHost, ConsensusHandlers, ConsensusMetrics],
    };
  }
}
