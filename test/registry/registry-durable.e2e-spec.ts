// `npm start` without MONGO_URL (the whole system in one process, registry state in JetStream key-value
// buckets, ledger replicas with file logs): stopped and started again, it keeps its agents, their state and
// load, and the task in flight, which the agent then completes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NatsConnection } from 'nats';
import { subjectsFor } from '@ossa/contracts';
import { deleteStreams, requestJson, serviceEnv, spawnService, testConnection, uniquePrefix, type ChildService } from '@ossa/testing';
import { KvRegistryStore, registryBuckets } from '../../services/registry/src/agents/kv-registry.store';

jest.setTimeout(120_000);

const sla = { responseTimeMs: 1000, availabilityPercent: 99.9, throughputPerSecond: 100, errorRatePercent: 0.1, recoveryTimeMs: 5000 };

describe('npm start keeps registry state across a restart (no MONGO_URL)', () => {
  const prefix = uniquePrefix('regkv');
  const subjects = subjectsFor(prefix);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ossa-regkv-'));
  const env = serviceEnv(prefix, { LOG_LEVEL: 'info', CONSENSUS_DATA_DIR: dataDir, MONGO_URL: '', HEARTBEAT_TIMEOUT_MS: '600000' });
  let nc: NatsConnection;
  let system: ChildService | undefined;

  const start = async () => {
    system = spawnService('services/main.js', env);
    await system.waitForLog((l) => l.msg === 'started' && l.service === 'registry', 60_000);
  };
  const stop = async () => {
    system!.kill('SIGTERM');
    expect(await system!.exited).toBe(0);
    system = undefined;
  };
  const ask = <T>(action: string, body: unknown) => requestJson<T>(nc, subjects.request('registry', action), body, { timeoutMs: 15_000 });

  beforeAll(async () => {
    nc = await testConnection();
  });

  afterAll(async () => {
    system?.kill('SIGKILL');
    await system?.exited;
    await KvRegistryStore.destroy(await nc.jetstream(), prefix);
    await deleteStreams(nc, subjects);
    await nc.drain();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps agents, their state, load and in-flight task; the task completes after the restart', async () => {
    await start();
    const agent = { id: 'kv-1', name: 'Worker kv-1', type: 'executor', capabilities: [{ id: 'kv-cap', name: 'kv', version: '1.0', sla }], state: 'available', currentLoad: 0, maxLoad: 5, sla, trustScore: 0.8, metadata: { region: 'eu', tags: ['kv'] } };
    expect(await ask('agent.register', agent)).toMatchObject({ created: true });
    const negotiation = await ask<{ selectedAgent: string; epoch: number }>('handoff.initiate', { id: 'kv-task', requiredCapabilities: [{ capabilityId: 'kv-cap', version: '1.0', weight: 1 }], priority: 'high' });
    expect(negotiation).toMatchObject({ selectedAgent: 'kv-1', epoch: 1 });
    const before = await ask<Record<string, unknown>>('agent.get', { agentId: 'kv-1' });
    expect(before).toMatchObject({ currentLoad: 1, state: 'available', metadata: { region: 'eu', tags: ['kv'] } });
    const jsm = await nc.jetstreamManager();
    const buckets = registryBuckets(prefix);
    expect((await jsm.streams.info(`KV_${buckets.agents}`)).state.messages).toBeGreaterThan(0);

    await stop();
    await start();

    const after = await ask<Record<string, unknown>>('agent.get', { agentId: 'kv-1' });
    expect(after).toEqual(before);
    expect(await ask('agent.list', { capability: 'kv-cap' })).toMatchObject({ agents: [expect.objectContaining({ id: 'kv-1' })] });
    // The handoff record survived too: the completion is accepted and the load counted down.
    expect(await ask('task.complete', { taskId: 'kv-task', agentId: 'kv-1' })).toMatchObject({ status: 'completed', currentLoad: 0 });
    await stop();
  });
});
