// Rebalancing policy after an agent fails. Its in-flight tasks are negotiated again among the other agents
// (the failed agent is excluded even if it comes back within the batch), one at a time, in this order:
//  1. tasks whose deadline has passed are not renegotiated: they are reported `expired` (→ handoffFailed);
//  2. tasks no other agent can take now are reported `waiting` (they retry with backoff until their deadline);
//  3. the rest by priority (critical, high, medium, low), then earliest deadline (none last), then fewest
//     candidates (the scarcest task picks first, so a flexible task does not take the only agent able to do
//     a constrained one), then task id.
import { AgentIndex } from './agent-index';
import { findCandidates, type CandidateSearch, type SearchOptions } from './matching';
import type { HandoffTask, Priority, RegistryAgent } from './types';

export const PRIORITY_RANK: Readonly<Record<Priority, number>> = Object.freeze({
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
});

export interface FailoverEntry {
  task: HandoffTask;
  /** Ready candidates among the other agents when the plan was made. */
  candidateCount: number;
  outcome: CandidateSearch['outcome'];
}

export interface FailoverPlan {
  failedAgentId: string;
  /** Negotiate these again, in this order. */
  renegotiate: FailoverEntry[];
  /** No ready agent can take these now; retry later. */
  waiting: FailoverEntry[];
  /** Their deadline has passed. */
  expired: HandoffTask[];
}

function deadlineOf(task: HandoffTask): number {
  const at = task.deadline === undefined ? NaN : Date.parse(task.deadline);
  return Number.isFinite(at) ? at : Infinity;
}

function priorityOf(task: HandoffTask): number {
  // An unknown priority (unvalidated input) sorts after low.
  return Object.hasOwn(PRIORITY_RANK, task.priority)
    ? PRIORITY_RANK[task.priority]
    : Object.keys(PRIORITY_RANK).length;
}

export function compareForFailover(a: FailoverEntry, b: FailoverEntry): number {
  return (
    priorityOf(a.task) - priorityOf(b.task) ||
    compareNumbers(deadlineOf(a.task), deadlineOf(b.task)) ||
    a.candidateCount - b.candidateCount ||
    (a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0)
  );
}

function compareNumbers(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** `others` may include the failed agent: it is excluded. */
export function planFailover(
  failedAgentId: string,
  inFlight: readonly HandoffTask[],
  others: Iterable<RegistryAgent> | AgentIndex,
  now: number,
  options: SearchOptions = {},
): FailoverPlan {
  const exclude = new Set(options.excludeAgentIds ?? []);
  exclude.add(failedAgentId);
  const searchOptions: SearchOptions = { ...options, excludeAgentIds: exclude };
  const pool = others instanceof AgentIndex ? others : [...others];
  const plan: FailoverPlan = { failedAgentId, renegotiate: [], waiting: [], expired: [] };
  for (const task of inFlight) {
    if (deadlineOf(task) <= now) {
      plan.expired.push(task);
      continue;
    }
    const search =
      pool instanceof AgentIndex
        ? pool.findCandidates(task, now, searchOptions)
        : findCandidates(task, pool, now, searchOptions);
    const entry: FailoverEntry = { task, candidateCount: search.candidates.length, outcome: search.outcome };
    (entry.candidateCount > 0 ? plan.renegotiate : plan.waiting).push(entry);
  }
  plan.renegotiate.sort(compareForFailover);
  plan.waiting.sort(compareForFailover);
  plan.expired.sort(
    (a, b) => compareNumbers(deadlineOf(a), deadlineOf(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return plan;
}
