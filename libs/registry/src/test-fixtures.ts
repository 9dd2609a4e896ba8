// Shared by the specs: the seed's example agent and task in wire form, and small builders.
import type { HandoffTask, OfferedCapability, RegistryAgent } from './types';

export const NOW = Date.parse('2026-01-05T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();

export const SEED_SLA = {
  responseTimeMs: 1000,
  availabilityPercent: 99.9,
  throughputPerSecond: 100,
  errorRatePercent: 0.1,
  recoveryTimeMs: 5000,
};

export function capability(
  id: string,
  version = '1.0',
  extra: Partial<OfferedCapability> = {},
): OfferedCapability {
  return { id, name: id, version, ...extra };
}

/** The seed's "Basic Setup" agent. */
export function seedAgent(overrides: Partial<RegistryAgent> = {}): RegistryAgent {
  return {
    id: 'worker-1',
    capabilities: [
      capability('data-processing', '1.0', {
        cost: { baseUnits: 10, scalingFactor: 1.5, currency: 'tokens', budgetRequired: true },
        sla: { ...SEED_SLA },
      }),
    ],
    state: 'available',
    currentLoad: 0,
    maxLoad: 100,
    sla: { ...SEED_SLA },
    trustScore: 0.9,
    lastHeartbeat: iso(NOW),
    ...overrides,
  };
}

export function agent(
  id: string,
  capabilities: readonly OfferedCapability[],
  overrides: Partial<RegistryAgent> = {},
): RegistryAgent {
  return { ...seedAgent(), id, capabilities, ...overrides };
}

/** The seed's "Task Coordination" request (deadline one hour after NOW). */
export function seedTask(overrides: Partial<HandoffTask> = {}): HandoffTask {
  return {
    id: 'task-1',
    requiredCapabilities: [
      { capabilityId: 'data-processing', version: '1.0', alternatives: [], weight: 1.0 },
    ],
    priority: 'high',
    deadline: iso(NOW + 3_600_000),
    budget: { maxTokens: 1000, maxCost: 100, currency: 'USD' },
    slaRequirements: {
      responseTimeMs: 5000,
      availabilityPercent: 99.5,
      throughputPerSecond: 10,
      errorRatePercent: 1.0,
      recoveryTimeMs: 10000,
    },
    metadata: { estimatedDuration: 3600, complexity: 'moderate' },
    ...overrides,
  };
}

export function needs(id: string, ...capabilityIds: string[]): HandoffTask {
  return seedTask({ id, requiredCapabilities: capabilityIds.map((capabilityId) => ({ capabilityId })) });
}
