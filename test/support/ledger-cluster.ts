import { startService, type RunningService } from '@ossa/runtime';
import { CONSENSUS_REPLICAS } from '../../services/all';

/** Three consensus replicas in this process (memory logs), as `npm start` runs them, for services that record outcomes. */
export async function startLedger(env: Record<string, string>): Promise<RunningService[]> {
  const replicas = await Promise.all(CONSENSUS_REPLICAS.map((definition) => startService(definition, { ...env, CONSENSUS_DATA_DIR: ':memory:' })));
  return replicas;
}
