import type { ServiceDefinition } from '@ossa/runtime';
import { conflictService } from './conflict/src/definition';
import { consensusService } from './consensus/src/definition';
import { decisionService } from './decision/src/definition';
import { orderingService } from './ordering/src/definition';
import { registryService } from './registry/src/definition';
import { transportHealthService } from './transport-health/src/definition';

/** Every service, in start order. */
const replicas = ['r1', 'r2', 'r3'];
// r1 keeps the consensus port (8083 by default); r2 and r3 take 8087 and 8088. Port 0 stays 0 (any free port).
const portOffsets: Record<string, number> = { r1: 0, r2: 4, r3: 5 };

/** In one process the ledger still runs as three replicas that talk over NATS. */
export const CONSENSUS_REPLICAS: ServiceDefinition[] = replicas.map((id) => ({
  ...consensusService,
  env: (base) => {
    const port = Number(base.CONSENSUS_HTTP_PORT ?? 8083);
    return {
      REPLICA_ID: id,
      CONSENSUS_PEERS: replicas.join(','),
      CONSENSUS_INSTANCE_ID: `consensus-${id}`,
      CONSENSUS_HTTP_PORT: String(port === 0 ? 0 : port + portOffsets[id]),
    };
  },
}));

export const ALL_SERVICES: ServiceDefinition[] = [
  ...CONSENSUS_REPLICAS,
  registryService,
  orderingService,
  conflictService,
  decisionService,
  transportHealthService,
];
