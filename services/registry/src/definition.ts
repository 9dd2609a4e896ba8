import type { ServiceDefinition } from '@ossa/runtime';
import { TASKS_DURABLE } from './handoff/tasks.controller';
import { loadRegistryConfig } from './registry-config';
import { RegistryModule } from './registry.module';

export const registryService: ServiceDefinition = {
  name: 'registry',
  module: (_config, env) => RegistryModule.forRoot(env),
  // A submitted task a registry took but did not finish goes to another instance after TASK_ACK_WAIT_MS.
  consumerSettings: (env) => ({ [TASKS_DURABLE]: { ackWaitMs: loadRegistryConfig(env).TASK_ACK_WAIT_MS } }),
  // The registry opens its own database connection (see RegistryModule) for agents and handoffs.
  usesMongo: false,
};
