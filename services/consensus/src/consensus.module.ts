import { Module, type DynamicModule } from '@nestjs/common';
import { loadConsensusConfig, ConsensusConfig } from './replica/consensus-config';
import { ConsensusController, FaultController, MembershipController, ReplicaController } from './replica/consensus.controller';
import { ConsensusMetrics } from './replica/consensus.metrics';
import { ReplicaHost } from './replica/replica-host';

/** One Raft replica of the coordination ledger, configured by REPLICA_ID and CONSENSUS_PEERS. */
@Module({})
export class ConsensusModule {
  static forRoot(env: Record<string, string | undefined>): DynamicModule {
    const config = loadConsensusConfig(env);
    return {
      module: ConsensusModule,
      // Fault injection is served only where it is switched on.
      controllers: [ConsensusController, ReplicaController, MembershipController, ...(config.CONSENSUS_FAULT_INJECTION === '1' ? [FaultController] : [])],
      providers: [{ provide: ConsensusConfig, useValue: config }, ReplicaHost, ConsensusMetrics],
    };
  }
}
