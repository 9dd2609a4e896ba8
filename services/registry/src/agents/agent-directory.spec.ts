import { Test } from '@nestjs/testing';
import { LOGGER, NatsConnectionService } from '@ossa/messaging';
import { createLogger } from '@ossa/observability';
import { loadRegistryConfig, RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import { AgentDirectory } from './agent-directory';
import type { AgentRecord } from './agent.record';
import { MemoryRegistryStore } from './memory-registry.store';

const NOW = Date.parse('2026-01-05T10:00:00.000Z');

function record(id: string, overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    id,
    name: `Agent ${id}`,
    type: 'worker',
    capabilities: [{ id: 'summarise', version: '1.2.0' }],
    state: 'available',
    currentLoad: 0,
    maxLoad: 4,
    trustScore: 0.9,
    lastHeartbeat: new Date(NOW).toISOString(),
    ...overrides,
  };
}

/** The directory over the in-process store: nothing goes to NATS (the store is not durable), so no connection. */
async function directoryWith(store: MemoryRegistryStore, startedAt = NOW - 3_600_000): Promise<AgentDirectory> {
  const module = await Test.createTestingModule({
    providers: [
      AgentDirectory,
      { provide: REGISTRY_STORE, useValue: store },
      { provide: RegistryConfig, useValue: loadRegistryConfig({}) },
      { provide: NatsConnectionService, useValue: {} },
      { provide: LOGGER, useValue: createLogger('registry', 'unit', 'silent') },
    ],
  }).compile();
  const directory = module.get(AgentDirectory);
  const clock = jest.spyOn(Date, 'now').mockReturnValue(startedAt);
  try {
    await directory.onModuleInit();
  } finally {
    clock.mockRestore();
  }
  return directory;
}

describe('AgentDirectory', () => {
  it('starts from what the store holds', async () => {
    const store = new MemoryRegistryStore();
    await store.upsertAgent(record('a1'));
    await store.upsertAgent(record('a2'));
    const directory = await directoryWith(store);
    expect(directory.all().map((a) => a.id).sort()).toEqual(['a1', 'a2']);
  });

  it('keeps the newest revision of an agent and ignores an older one arriving late', async () => {
    const directory = await directoryWith(new MemoryRegistryStore());
    directory.changed(record('a1', { revision: 3, state: 'busy' }));
    directory.changed(record('a1', { revision: 2, state: 'available' }));
    expect(directory.get('a1')).toMatchObject({ revision: 3, state: 'busy' });
    directory.changed(record('a1', { revision: 4, state: 'available' }));
    expect(directory.get('a1')).toMatchObject({ revision: 4, state: 'available' });
  });

  it('finds candidates by capability from its index, and forgets removed agents', async () => {
    const directory = await directoryWith(new MemoryRegistryStore());
    directory.changed(record('a1'));
    directory.changed(record('a2', { capabilities: [{ id: 'translate', version: '1.0.0' }] }));
    const task = { id: 't1', priority: 'medium' as const, requiredCapabilities: [{ capabilityId: 'summarise' }] };
    const search = directory.findCandidates(task, NOW, { heartbeatTimeoutMs: 30_000 });
    expect(search.outcome).toBe('found');
    expect(search.candidates.map((c) => c.agent.id)).toEqual(['a1']);
    directory.removed('a1');
    expect(directory.get('a1')).toBeUndefined();
    expect(directory.findCandidates(task, NOW, { heartbeatTimeoutMs: 30_000 }).outcome).toBe('missing_capability');
  });

  it('names the agents silent since a cutoff, leaving out those already failed or offline', async () => {
    const directory = await directoryWith(new MemoryRegistryStore());
    const old = new Date(NOW - 60_000).toISOString();
    directory.changed(record('quiet', { lastHeartbeat: old }));
    directory.changed(record('gone', { lastHeartbeat: old, state: 'failed' }));
    directory.changed(record('alive'));
    expect(directory.silentSince(NOW - 30_000).map((a) => a.id)).toEqual(['quiet']);
  });

  it('names no agent silent over a window it did not hear the whole of: a registry back from an outage does not fail everyone', async () => {
    const directory = await directoryWith(new MemoryRegistryStore(), NOW - 10_000);
    directory.changed(record('quiet', { lastHeartbeat: new Date(NOW - 60_000).toISOString() }));
    // Started 10 s ago: a 30 s window reaches back before it could hear anything.
    expect(directory.silentSince(NOW - 30_000)).toEqual([]);
    // A window that lies wholly after the start is judged.
    expect(directory.silentSince(NOW - 5_000).map((a) => a.id)).toEqual(['quiet']);
  });

  it('does not take an agent for silent whose heartbeat arrived but is not stored yet', async () => {
    const directory = await directoryWith(new MemoryRegistryStore());
    directory.changed(record('queued', { lastHeartbeat: new Date(NOW - 60_000).toISOString() }));
    directory.changed(record('quiet', { lastHeartbeat: new Date(NOW - 60_000).toISOString() }));
    directory.heardFrom('queued', NOW - 1_000);
    // An agent not in the view is not remembered.
    directory.heardFrom('unknown', NOW);
    expect(directory.silentSince(NOW - 30_000).map((a) => a.id)).toEqual(['quiet']);
  });
});
