import type { NatsConnection } from 'nats';
import { subjectsFor, type Subjects } from '@ossa/contracts';
import { startService, type RunningService, type ServiceDefinition } from '@ossa/runtime';
import { deleteStreams, serviceEnv, testConnection, uniquePrefix } from './harness';
import { startLedger } from './ledger-cluster';

export interface ServiceSuite {
  readonly prefix: string;
  readonly subjects: Subjects;
  readonly nc: NatsConnection;
  readonly running: RunningService[];
}

/**
 * Starts `definitions` in this process for the enclosing describe block (its own subject prefix and streams),
 * optionally with three consensus replicas as the ledger, and stops and cleans them up afterwards.
 */
export function useServices(suite: string, definitions: ServiceDefinition[], options: { ledger?: boolean; env?: Record<string, string> } = {}): ServiceSuite {
  const prefix = uniquePrefix(suite);
  const context = { prefix, subjects: subjectsFor(prefix), running: [] as RunningService[], nc: undefined as unknown as NatsConnection };
  beforeAll(async () => {
    context.nc = await testConnection();
    const env = serviceEnv(prefix, options.env);
    if (options.ledger) context.running.push(...(await startLedger(serviceEnv(prefix))));
    for (const definition of definitions) context.running.push(await startService(definition, env));
  });
  afterAll(async () => {
    await Promise.allSettled(context.running.map((s) => s.close()));
    await deleteStreams(context.nc, context.subjects);
    await context.nc.drain();
  });
  return context;
}
