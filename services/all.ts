import type { ServiceDefinition } from '@ossa/runtime';
import { conflictService } from './conflict/src/definition';
import { consensusService } from './consensus/src/definition';
import { decisionService } from './decision/src/definition';
import { orderingService } from './ordering/src/definition';
import { registryService } from './registry/src/definition';
import { transportHealthService } from './transport-health/src/definition';

/** Every service, in start order. */
export const ALL_SERVICES: ServiceDefinition[] = [
  consensusService,
  registryService,
  orderingService,
  conflictService,
  decisionService,
  transportHealthService,
];
