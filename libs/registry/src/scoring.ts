// Score of a candidate = Σ weight_k × part_k / Σ weight_k over six parts, each in [0, 1]:
//  capability: Σ w_i q_i / Σ w_i over the requirements (w_i = requirement weight, default 1; all 0 → equal),
//              q_i = 1 for the requested capability, ALTERNATIVE_QUALITY when an alternative stands in.
//  load:       1 − currentLoad / maxLoad (headroom).
//  sla:        mean fit over the metrics slaRequirements names, against the agent's effective SLA (per metric
//              the worst of its matched capabilities' SLAs, else the agent's own). Lower-is-better metrics
//              (responseTimeMs, errorRatePercent, recoveryTimeMs, and downtime = 100 − availabilityPercent)
//              fit 1 when offered ≤ required, else required / offered; throughputPerSecond fits 1 when
//              offered ≥ required, else offered / required. A metric the agent does not state fits UNKNOWN_FIT.
//  cost:       each matched capability costs baseUnits × scalingFactor^e, e from metadata.complexity
//              (COMPLEXITY_EXPONENTS; unknown → 1). Costs in `tokens` count against budget.maxTokens, others
//              against budget.maxCost when the currency is the budget's (or either is unstated). Per limit:
//              1 − total / (2 × limit) within budget, 0 over it. No limit: 1, or 0 if budgetRequired.
//              Another currency than the budget's: UNKNOWN_FIT (0 if budgetRequired). Part = worst limit.
//  trust:      trustScore.
//  deadline:   T = deadline − now, needed = estimated duration + responseTimeMs; needed ≤ T → 0.5 + 0.5 × (1 −
//              needed/T), else 0.5 × T/needed; past deadline → 0; no deadline → 1.
import type {
  Candidate,
  CapabilityMatch,
  HandoffTask,
  RegistryAgent,
  ScoreBreakdown,
  ScoredCandidate,
  ScoreWeights,
  Sla,
} from './types';

export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({
  capability: 0.25,
  sla: 0.2,
  load: 0.15,
  cost: 0.15,
  trust: 0.15,
  deadline: 0.1,
});

export const ALTERNATIVE_QUALITY = 0.8;
export const UNKNOWN_FIT = 0.5;

/** Cost exponent by task complexity: simple tasks pay baseUnits, each step up multiplies by scalingFactor. */
export const COMPLEXITY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  trivial: 0,
  simple: 0,
  moderate: 1,
  complex: 2,
  very_complex: 3,
  expert: 3,
});
const DEFAULT_COMPLEXITY_EXPONENT = 1;

const PARTS = ['capability', 'load', 'sla', 'cost', 'trust', 'deadline'] as const;

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export function checkWeights(weights: ScoreWeights): void {
  let total = 0;
  for (const part of PARTS) {
    const w = weights[part];
    if (!Number.isFinite(w) || w < 0)
      throw new RangeError(`score weight ${part} must be a finite number >= 0, got ${w}`);
    total += w;
  }
  if (total <= 0) throw new RangeError('score weights must not all be 0');
}

export function capabilityPart(matches: readonly CapabilityMatch[]): number {
  if (matches.length === 0) return 1;
  const weights = matches.map((m) => (Number.isFinite(m.weight) && m.weight > 0 ? m.weight : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  matches.forEach((m, i) => {
    sum +=
      (total > 0 ? weights[i] / total : 1 / matches.length) * (m.viaAlternative ? ALTERNATIVE_QUALITY : 1);
  });
  return clamp01(sum);
}

export function loadPart(agent: RegistryAgent): number {
  return agent.maxLoad > 0 ? clamp01(1 - agent.currentLoad / agent.maxLoad) : 0;
}

const SLA_METRICS = [
  'responseTimeMs',
  'availabilityPercent',
  'throughputPerSecond',
  'errorRatePercent',
  'recoveryTimeMs',
] as const;

/** Per metric, the worst SLA among the matched capabilities, falling back to the agent's. */
export function effectiveSla(agent: RegistryAgent, matches: readonly CapabilityMatch[]): Sla {
  const result: Sla = { ...(agent.sla ?? {}) };
  for (const metric of SLA_METRICS) {
    const higherIsWorse = metric !== 'availabilityPercent' && metric !== 'throughputPerSecond';
    let worst: number | undefined;
    for (const m of matches) {
      const value = m.offered.sla?.[metric];
      if (typeof value !== 'number') continue;
      if (worst === undefined || (higherIsWorse ? value > worst : value < worst)) worst = value;
    }
    if (worst !== undefined) result[metric] = worst;
  }
  return result;
}

function lowerFit(required: number, offered: number): number {
  if (offered <= required) return 1;
  return required > 0 ? required / offered : 0;
}

export function slaPart(required: Sla | undefined, offered: Sla): number {
  if (!required) return 1;
  const fits: number[] = [];
  const add = (metric: keyof Sla, fit: (req: number, off: number) => number) => {
    const req = required[metric];
    if (typeof req !== 'number') return;
    const off = offered[metric];
    fits.push(typeof off === 'number' ? fit(req, off) : UNKNOWN_FIT);
  };
  add('responseTimeMs', lowerFit);
  add('errorRatePercent', lowerFit);
  add('recoveryTimeMs', lowerFit);
  add('availabilityPercent', (req, off) => lowerFit(100 - req, 100 - off));
  add('throughputPerSecond', (req, off) => (off >= req ? 1 : req > 0 ? off / req : 1));
  return fits.length === 0 ? 1 : clamp01(fits.reduce((a, b) => a + b, 0) / fits.length);
}

export function complexityExponent(complexity: string | undefined): number {
  if (complexity === undefined) return DEFAULT_COMPLEXITY_EXPONENT;
  const key = complexity
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  // Own keys only: "constructor" or "__proto__" must not reach Object.prototype.
  return Object.hasOwn(COMPLEXITY_EXPONENTS, key) ? COMPLEXITY_EXPONENTS[key] : DEFAULT_COMPLEXITY_EXPONENT;
}

function budgetFit(total: number, limit: number): number {
  if (total <= 0) return 1;
  return total <= limit ? 1 - total / (2 * limit) : 0;
}

/** The cost part and the estimated cost (sum over all matched capabilities). */
export function costPart(
  task: HandoffTask,
  matches: readonly CapabilityMatch[],
  exponent: number = complexityExponent(task.metadata?.complexity),
): { part: number; estimatedCost: number } {
  const budget = task.budget ?? {};
  const totals = { tokens: 0, money: 0 };
  const required = { tokens: false, money: false, foreign: false };
  let foreign = false;
  let estimatedCost = 0;
  for (const match of matches) {
    const cost = match.offered.cost;
    if (!cost) continue;
    const amount = Math.max(0, cost.baseUnits) * Math.pow(Math.max(0, cost.scalingFactor), exponent);
    estimatedCost += amount;
    const currency = cost.currency?.trim().toLowerCase();
    const kind =
      currency === 'tokens' || currency === 'token'
        ? 'tokens'
        : currency === undefined ||
            budget.currency === undefined ||
            currency === budget.currency.trim().toLowerCase()
          ? 'money'
          : 'foreign';
    if (kind === 'foreign') foreign = true;
    else totals[kind] += amount;
    if (cost.budgetRequired) required[kind] = true;
  }
  const parts: number[] = [];
  const limits = { tokens: budget.maxTokens, money: budget.maxCost };
  for (const kind of ['tokens', 'money'] as const) {
    const limit = limits[kind];
    if (typeof limit === 'number') parts.push(budgetFit(totals[kind], limit));
    else if (required[kind]) parts.push(0);
  }
  if (foreign) parts.push(required.foreign ? 0 : UNKNOWN_FIT);
  return { part: parts.length === 0 ? 1 : clamp01(Math.min(...parts)), estimatedCost };
}

/** Estimated duration in ms: task.duration, else metadata.estimatedDuration (both seconds), else 0. */
export function estimatedDurationMs(task: HandoffTask): number {
  const seconds = task.duration ?? task.metadata?.estimatedDuration ?? 0;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** What scoring needs from the task, worked out once per task rather than once per candidate. */
interface TaskTerms {
  exponent: number;
  /** ms from now to the deadline; Infinity without one. */
  timeLeftMs: number;
  durationMs: number;
}

function termsOf(task: HandoffTask, now: number): TaskTerms {
  const deadline = task.deadline === undefined ? NaN : Date.parse(task.deadline);
  return {
    exponent: complexityExponent(task.metadata?.complexity),
    timeLeftMs: Number.isFinite(deadline) ? deadline - now : Infinity,
    durationMs: estimatedDurationMs(task),
  };
}

function deadlineFit(terms: TaskTerms, responseTimeMs: number | undefined): number {
  if (terms.timeLeftMs === Infinity) return 1;
  if (terms.timeLeftMs <= 0) return 0;
  const needed = terms.durationMs + Math.max(0, responseTimeMs ?? 0);
  if (needed <= terms.timeLeftMs) return clamp01(0.5 + 0.5 * (1 - needed / terms.timeLeftMs));
  return clamp01((0.5 * terms.timeLeftMs) / needed);
}

export function deadlinePart(task: HandoffTask, responseTimeMs: number | undefined, now: number): number {
  return deadlineFit(termsOf(task, now), responseTimeMs);
}

function score(
  task: HandoffTask,
  terms: TaskTerms,
  agent: RegistryAgent,
  matches: readonly CapabilityMatch[],
  weights: ScoreWeights,
): ScoredCandidate {
  const sla = effectiveSla(agent, matches);
  const cost = costPart(task, matches, terms.exponent);
  const breakdown: ScoreBreakdown = {
    capability: capabilityPart(matches),
    load: loadPart(agent),
    sla: slaPart(task.slaRequirements, sla),
    cost: cost.part,
    trust: clamp01(agent.trustScore),
    deadline: deadlineFit(terms, sla.responseTimeMs),
  };
  let weighted = 0;
  let total = 0;
  for (const part of PARTS) {
    weighted += weights[part] * breakdown[part];
    total += weights[part];
  }
  return {
    agentId: agent.id,
    score: clamp01(weighted / total),
    breakdown,
    estimatedCost: cost.estimatedCost,
  };
}

export function scoreCandidate(
  task: HandoffTask,
  agent: RegistryAgent,
  matches: readonly CapabilityMatch[],
  now: number,
  weights: ScoreWeights = DEFAULT_WEIGHTS,
): ScoredCandidate {
  if (weights !== DEFAULT_WEIGHTS) checkWeights(weights);
  return score(task, termsOf(task, now), agent, matches, weights);
}

const byRank = (a: ScoredCandidate, b: ScoredCandidate) =>
  b.score - a.score || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

/** Best first; equal scores in agent id order, so the result does not depend on the input order. */
export function rankCandidates(scored: readonly ScoredCandidate[], limit = Infinity): ScoredCandidate[] {
  if (limit >= scored.length) return [...scored].sort(byRank);
  if (!(limit > 0)) return [];
  // Keep only the best `limit` in a sorted buffer: O(n × limit) instead of sorting every candidate.
  const best: ScoredCandidate[] = [];
  for (const candidate of scored) {
    if (best.length === limit && byRank(candidate, best[best.length - 1]) >= 0) continue;
    let at = best.length;
    while (at > 0 && byRank(candidate, best[at - 1]) < 0) at--;
    best.splice(at, 0, candidate);
    if (best.length > limit) best.pop();
  }
  return best;
}

/** Scores every candidate of a search and returns the best `limit` (default all), ranked. */
export function scoreAndRank(
  task: HandoffTask,
  candidates: readonly Candidate[],
  now: number,
  weights: ScoreWeights = DEFAULT_WEIGHTS,
  limit = Infinity,
): ScoredCandidate[] {
  if (weights !== DEFAULT_WEIGHTS) checkWeights(weights);
  const terms = termsOf(task, now);
  return rankCandidates(
    candidates.map((c) => score(task, terms, c.agent, c.matches, weights)),
    limit,
  );
}
