// Matching rule: an agent is a candidate for a task when
//  1. it is ready: state `available`, currentLoad < maxLoad, not excluded, and (with heartbeatTimeoutMs) its
//     last heartbeat is no older than that;
//  2. for every required capability it offers that capability id, or else one of the requirement's
//     `alternatives` (tried in order), at a version compatible by the rule in version.ts.
// When no agent is a candidate, the search says why: capable agents that are all busy or at maxLoad
// (`capacity_exceeded`), capable agents that are all offline/failed/in maintenance/silent (`unavailable`),
// or no capable agent at all (`missing_capability`, naming each capability that is missing).
import type {
  Candidate,
  CapabilityMatch,
  CapabilityRequirement,
  HandoffTask,
  OfferedCapability,
  RegistryAgent,
} from './types';
import { isVersionCompatible, parseVersion } from './version';

export interface SearchOptions {
  /** Agents silent for longer than this (lastHeartbeat + timeout < now) are unavailable. Off when absent. */
  heartbeatTimeoutMs?: number;
  /** Agents never to choose (the failed agent in failover, bidders that declined). */
  excludeAgentIds?: ReadonlySet<string>;
}

export type Readiness = 'ready' | 'full' | 'unavailable';

export interface MissingCapability {
  capabilityId: string;
  version?: string;
  alternatives: string[];
  /** Versions of this capability (and its alternatives) that agents do offer, sorted; at most 10. */
  offeredVersions: string[];
  /** True when some agent offers it, just not together with the other required capabilities. */
  offeredElsewhere: boolean;
}

export interface CandidateSearch {
  outcome: 'found' | 'missing_capability' | 'capacity_exceeded' | 'unavailable';
  /** Ready agents offering every required capability, in input order. */
  candidates: Candidate[];
  /** Capable agents that are busy or at maxLoad. */
  full: number;
  /** Capable agents that are offline, failed, in maintenance, silent or excluded. */
  unavailable: number;
  /** Set only when no agent at all offers every required capability. */
  missing: MissingCapability[];
}

const UNAVAILABLE_STATES = new Set(['offline', 'failed', 'maintenance']);

export function readiness(agent: RegistryAgent, now: number, options: SearchOptions = {}): Readiness {
  if (UNAVAILABLE_STATES.has(agent.state) || options.excludeAgentIds?.has(agent.id)) return 'unavailable';
  if (options.heartbeatTimeoutMs !== undefined && agent.lastHeartbeat !== undefined) {
    if (heartbeatMs(agent.lastHeartbeat) + options.heartbeatTimeoutMs < now) return 'unavailable';
  }
  if (agent.state !== 'available' || !(agent.currentLoad < agent.maxLoad)) return 'full';
  return 'ready';
}

// Heartbeats are rewritten constantly but read far more often; remember the last parse per string.
const beats = new Map<string, number>();

/** Epoch ms of an ISO heartbeat; one that does not parse never counts as stale. */
function heartbeatMs(lastHeartbeat: string): number {
  let ms = beats.get(lastHeartbeat);
  if (ms === undefined) {
    const parsed = Date.parse(lastHeartbeat);
    ms = Number.isFinite(parsed) ? parsed : Infinity;
    if (beats.size >= 200_000) beats.clear();
    beats.set(lastHeartbeat, ms);
  }
  return ms;
}

/** The highest compatible offer of one capability id, or undefined. */
function offerOf(
  agent: RegistryAgent,
  capabilityId: string,
  version: string | undefined,
): OfferedCapability | undefined {
  let best: OfferedCapability | undefined;
  for (const offered of agent.capabilities) {
    if (offered.id !== capabilityId || !isVersionCompatible(version, offered.version)) continue;
    if (!best || compareVersions(offered.version, best.version) > 0) best = offered;
  }
  return best;
}

function compareVersions(a: string | undefined, b: string | undefined): number {
  const pa = a === undefined ? null : parseVersion(a);
  const pb = b === undefined ? null : parseVersion(b);
  if (!pa || !pb) return 0;
  return pa.major - pb.major || pa.minor - pb.minor || pa.patch - pb.patch;
}

export function matchRequirement(
  agent: RegistryAgent,
  requirement: CapabilityRequirement,
): CapabilityMatch | undefined {
  const weight = requirement.weight ?? 1;
  const direct = offerOf(agent, requirement.capabilityId, requirement.version);
  if (direct) return { requested: requirement.capabilityId, offered: direct, viaAlternative: false, weight };
  for (const alternative of requirement.alternatives ?? []) {
    // An alternative is another capability, so the requested version does not bind it.
    const offered = offerOf(agent, alternative, undefined);
    if (offered) return { requested: requirement.capabilityId, offered, viaAlternative: true, weight };
  }
  return undefined;
}

/** Every requirement's match, or the indices of the requirements the agent lacks. */
export function matchAgent(
  task: HandoffTask,
  agent: RegistryAgent,
): { matches: CapabilityMatch[] } | { lacking: number[] } {
  const matches: CapabilityMatch[] = [];
  const lacking: number[] = [];
  const requirements = task.requiredCapabilities ?? [];
  for (let i = 0; i < requirements.length; i++) {
    const match = matchRequirement(agent, requirements[i]);
    if (match) matches.push(match);
    else lacking.push(i);
  }
  return lacking.length > 0 ? { lacking } : { matches };
}

/** Scans `pool` (every agent that could be capable); `explainPool` is read only when nobody is capable. */
export function searchPool(
  task: HandoffTask,
  pool: Iterable<RegistryAgent>,
  now: number,
  options: SearchOptions,
  explainPool: () => Iterable<RegistryAgent>,
): CandidateSearch {
  const candidates: Candidate[] = [];
  let full = 0;
  let unavailable = 0;
  for (const agent of pool) {
    const result = matchAgent(task, agent);
    if (!('matches' in result)) continue;
    const ready = readiness(agent, now, options);
    if (ready === 'ready') candidates.push({ agent, matches: result.matches });
    else if (ready === 'full') full++;
    else unavailable++;
  }
  if (candidates.length > 0) return { outcome: 'found', candidates, full, unavailable, missing: [] };
  if (full > 0) return { outcome: 'capacity_exceeded', candidates, full, unavailable, missing: [] };
  if (unavailable > 0) return { outcome: 'unavailable', candidates, full, unavailable, missing: [] };
  return {
    outcome: 'missing_capability',
    candidates,
    full,
    unavailable,
    missing: explainMissing(task, explainPool()),
  };
}

/** Agents in any state; `now` decides heartbeat staleness. */
export function findCandidates(
  task: HandoffTask,
  agents: Iterable<RegistryAgent>,
  now: number,
  options: SearchOptions = {},
): CandidateSearch {
  return searchPool(task, agents, now, options, () => agents);
}

/**
 * Names the missing capabilities: those no agent offers, or, when each is offered somewhere but never
 * together, those the closest agent (fewest lacking, then smallest id) lacks.
 */
export function explainMissing(task: HandoffTask, agents: Iterable<RegistryAgent>): MissingCapability[] {
  const requirements = task.requiredCapabilities ?? [];
  const offeredSomewhere = new Array<boolean>(requirements.length).fill(false);
  const versions = requirements.map(() => new Set<string>());
  let closest: { id: string; lacking: number[] } | undefined;
  for (const agent of agents) {
    const result = matchAgent(task, agent);
    const lacking = 'lacking' in result ? result.lacking : [];
    const lackingSet = new Set(lacking);
    requirements.forEach((requirement, i) => {
      if (!lackingSet.has(i)) offeredSomewhere[i] = true;
      const ids = [requirement.capabilityId, ...(requirement.alternatives ?? [])];
      for (const offered of agent.capabilities)
        if (offered.version && ids.includes(offered.id)) versions[i].add(offered.version);
    });
    const better =
      !closest ||
      lacking.length < closest.lacking.length ||
      (lacking.length === closest.lacking.length && agent.id < closest.id);
    if (better) closest = { id: agent.id, lacking };
  }
  const notOffered = requirements.map((_, i) => i).filter((i) => !offeredSomewhere[i]);
  const chosen = notOffered.length > 0 ? notOffered : (closest?.lacking ?? []);
  return chosen.map((i) => {
    const requirement = requirements[i];
    return {
      capabilityId: requirement.capabilityId,
      ...(requirement.version !== undefined ? { version: requirement.version } : {}),
      alternatives: [...(requirement.alternatives ?? [])],
      offeredVersions: [...versions[i]]
        .sort((a, b) => compareVersions(a, b) || a.localeCompare(b))
        .slice(0, 10),
      offeredElsewhere: offeredSomewhere[i],
    };
  });
}

/** One line a person can act on, for the error reply. */
export function describeMissing(missing: readonly MissingCapability[]): string {
  if (missing.length === 0) return 'No agent can take the task: no agent is registered';
  const parts = missing.map((m) => {
    const wanted = m.version ? `${m.capabilityId}@${m.version}` : m.capabilityId;
    const alternatives = m.alternatives.length > 0 ? ` (or ${m.alternatives.join(', ')})` : '';
    const offered = m.offeredVersions.length > 0 ? `; agents offer ${m.offeredVersions.join(', ')}` : '';
    const together = m.offeredElsewhere
      ? '; offered, but by no agent that has the other required capabilities'
      : '';
    return `${wanted}${alternatives}${offered}${together}`;
  });
  return `No agent offers the required capability ${parts.join('; and ')}`;
}
