import type { ServiceDefinition } from '@ossa/runtime';
import { DecisionModule } from './decision.module';

export const decisionService: ServiceDefinition = {
  name: 'decision',
  module: () => DecisionModule,
  usesMongo: false,
};
