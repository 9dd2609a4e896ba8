// Checks a request field by field and puts it in canonical order (alternatives, criteria, stakeholders and
// ballots sorted by id), so that nothing downstream can depend on the order the caller used.
import { defaultDirection } from './criteria';
import { DecisionValidationError, type FieldProblem } from './errors';
import { checkAlternativeShape, checkRequestShape, checkStakeholderShape, isObject } from './validate-shape';
import { countLimitProblems } from './limits';
import {
  ANALYSIS_METHODS,
  BIAS_CORRECTION_MODES,
  VOTING_SYSTEMS,
  type AnalysisMethod,
  type Ballot,
  type CriterionDirection,
  type DecisionAlternative,
  type DecisionConstraint,
  type DecisionRequest,
  type Stakeholder,
  type DecisionRequestInput,
} from './types';

export interface CriterionModel {
  name: string;
  /** Normalised: the weights sum to 1. */
  weight: number;
  direction: CriterionDirection;
  adjustable: boolean;
  agreement: number | undefined;
}

export interface Problem {
  request: DecisionRequest;
  alternatives: DecisionAlternative[];
  criteria: CriterionModel[];
  constraints: DecisionConstraint[];
  stakeholders: Stakeholder[];
  stakeholderById: Map<string, Stakeholder>;
  ballots: Ballot[];
  method: AnalysisMethod;
  /** The request named an analysis method: then it needs every criterion's values even when ballots decide. */
  methodRequested: boolean;
  /** Pairwise criteria matrix permuted to the canonical criteria order. */
  pairwise: number[][] | undefined;
}

const OPERATORS = new Set(['lt', 'lte', 'gt', 'gte', 'eq', 'neq']);
const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const inUnit = (v: unknown) => isFiniteNumber(v) && v >= 0 && v <= 1;
const isIsoDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

class Problems {
  readonly list: FieldProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  check(ok: boolean, path: string, message: string): boolean {
    if (!ok) this.add(path, message);
    return ok;
  }
}

function checkAlternatives(request: DecisionRequest, p: Problems): Set<string> {
  const ids = new Set<string>();
  if (
    !p.check(
      Array.isArray(request.alternatives) && request.alternatives.length > 0,
      'alternatives',
      'must be a non-empty array',
    )
  )
    return ids;
  request.alternatives.forEach((alt, i) => {
    const at = `alternatives[${i}]`;
    if (!p.check(isObject(alt), at, 'must be an object')) return;
    if (!p.check(isNonEmptyString(alt.id), `${at}.id`, 'must be a non-empty string')) return;
    checkAlternativeShape(alt as unknown as Record<string, unknown>, at, (path, message) =>
      p.add(path, message),
    );
    p.check(!ids.has(alt.id), `${at}.id`, `duplicates alternative '${alt.id}'`);
    ids.add(alt.id);
    p.check(typeof alt.name === 'string', `${at}.name`, 'must be a string');
    if (!p.check(Array.isArray(alt.attributes), `${at}.attributes`, 'must be an array')) return;
    alt.attributes.forEach((attr, j) => {
      if (!p.check(isObject(attr), `${at}.attributes[${j}]`, 'must be an object')) return;
      p.check(
        isNonEmptyString(attr?.criterion),
        `${at}.attributes[${j}].criterion`,
        'must be a non-empty string',
      );
      p.check(isFiniteNumber(attr?.value), `${at}.attributes[${j}].value`, 'must be a finite number');
      if (attr?.confidence !== undefined)
        p.check(inUnit(attr.confidence), `${at}.attributes[${j}].confidence`, 'must be within [0, 1]');
    });
  });
  return ids;
}

/** Ballots decide and no analysis method was asked for: criteria may be empty, unmeasured or weigh nothing. */
const voteAlone = (request: DecisionRequest) =>
  Array.isArray(request.ballots) && request.ballots.length > 0 && request.analysis === undefined;

function checkCriteria(request: DecisionRequest, p: Problems): void {
  const vote = voteAlone(request);
  if (!p.check(Array.isArray(request.criteria), 'criteria', 'must be an array')) return;
  if (
    !p.check(
      request.criteria.length > 0 || vote,
      'criteria',
      'must be a non-empty array when no ballots decide (or an analysis method is asked for)',
    )
  )
    return;
  const seen = new Set<string>();
  let total = 0;
  request.criteria.forEach((c, i) => {
    const at = `criteria[${i}]`;
    if (!p.check(isObject(c), at, 'must be an object')) return;
    if (!p.check(isNonEmptyString(c.criterion), `${at}.criterion`, 'must be a non-empty string')) return;
    p.check(!seen.has(c.criterion), `${at}.criterion`, `duplicates criterion '${c.criterion}'`);
    seen.add(c.criterion);
    if (p.check(isFiniteNumber(c.weight) && c.weight >= 0, `${at}.weight`, 'must be a finite number >= 0'))
      total += c.weight;
    if (c.direction !== undefined)
      p.check(
        c.direction === 'benefit' || c.direction === 'cost',
        `${at}.direction`,
        "must be 'benefit' or 'cost'",
      );
    if (c.stakeholderAgreement !== undefined)
      p.check(inUnit(c.stakeholderAgreement), `${at}.stakeholderAgreement`, 'must be within [0, 1]');
  });
  if (request.criteria.length > 0 && !vote) p.check(total > 0, 'criteria', 'weights must not all be zero');
}

function checkStakeholders(request: DecisionRequest, p: Problems): Set<string> {
  const ids = new Set<string>();
  if (!p.check(Array.isArray(request.stakeholders), 'stakeholders', 'must be an array')) return ids;
  request.stakeholders.forEach((s, i) => {
    const at = `stakeholders[${i}]`;
    if (!p.check(isObject(s), at, 'must be an object')) return;
    if (!p.check(isNonEmptyString(s.id), `${at}.id`, 'must be a non-empty string')) return;
    checkStakeholderShape(s as unknown as Record<string, unknown>, at, (path, message) =>
      p.add(path, message),
    );
    p.check(!ids.has(s.id), `${at}.id`, `duplicates stakeholder '${s.id}'`);
    ids.add(s.id);
    for (const field of ['influence', 'trustScore'] as const) {
      if (s[field] !== undefined) p.check(inUnit(s[field]), `${at}.${field}`, 'must be within [0, 1]');
    }
    if (s.votingWeight !== undefined)
      p.check(
        isFiniteNumber(s.votingWeight) && s.votingWeight >= 0,
        `${at}.votingWeight`,
        'must be a finite number >= 0',
      );
    for (const [domain, level] of Object.entries(s.expertise?.domains ?? {})) {
      p.check(inUnit(level), `${at}.expertise.domains.${domain}`, 'must be within [0, 1]');
    }
    const bias = s.biasFactors;
    for (const kind of ['cognitive', 'personal', 'organizational'] as const) {
      for (const [name, level] of Object.entries(bias?.[kind] ?? {}))
        p.check(inUnit(level), `${at}.biasFactors.${kind}.${name}`, 'must be within [0, 1]');
    }
    if (bias?.temporal !== undefined)
      p.check(inUnit(bias.temporal), `${at}.biasFactors.temporal`, 'must be within [0, 1]');
  });
  return ids;
}

function checkBallots(
  request: DecisionRequest,
  alternatives: Set<string>,
  stakeholders: Set<string>,
  p: Problems,
): void {
  if (request.ballots === undefined) return;
  if (!p.check(Array.isArray(request.ballots), 'ballots', 'must be an array')) return;
  const voters = new Set<string>();
  // Ballots can be large (1,000 x 100): ids resolve to indices, a list number stamps what it has seen, and a
  // path string is built only when something is wrong.
  const position = new Map([...alternatives].map((id, i) => [id, i]));
  const seenIn = new Int32Array(alternatives.size).fill(-1);
  let listNumber = 0;
  const knownList = (list: unknown, at: string) => {
    if (!p.check(Array.isArray(list), at, 'must be an array of alternative ids')) return;
    const stamp = listNumber++;
    (list as unknown[]).forEach((id, k) => {
      const i = typeof id === 'string' ? position.get(id) : undefined;
      if (i === undefined) p.add(`${at}[${k}]`, 'is not an alternative of this decision');
      else if (seenIn[i] === stamp) p.add(`${at}[${k}]`, 'is listed twice');
      else seenIn[i] = stamp;
    });
  };
  request.ballots.forEach((b, i) => {
    const at = `ballots[${i}]`;
    if (!p.check(isObject(b), at, 'must be an object')) return;
    if (
      !p.check(
        stakeholders.has(b?.stakeholderId),
        `${at}.stakeholderId`,
        'is not a stakeholder of this decision',
      )
    )
      return;
    p.check(!voters.has(b.stakeholderId), `${at}.stakeholderId`, `'${b.stakeholderId}' has already voted`);
    voters.add(b.stakeholderId);
    p.check(
      b.ranking !== undefined || b.scores !== undefined || b.approve !== undefined,
      at,
      'must carry ranking, scores or approve',
    );
    if (b.ranking !== undefined) knownList(b.ranking, `${at}.ranking`);
    if (b.approve !== undefined) knownList(b.approve, `${at}.approve`);
    if (b.scores !== undefined) {
      if (p.check(typeof b.scores === 'object' && b.scores !== null, `${at}.scores`, 'must be an object')) {
        for (const [id, score] of Object.entries(b.scores)) {
          if (!alternatives.has(id)) p.add(`${at}.scores.${id}`, 'is not an alternative of this decision');
          if (!isFiniteNumber(score)) p.add(`${at}.scores.${id}`, 'must be a finite number');
        }
      }
    }
    if (b.castAt !== undefined) p.check(isIsoDate(b.castAt), `${at}.castAt`, 'must be an ISO 8601 date');
  });
}

function checkPairwise(request: DecisionRequest, p: Problems): void {
  const matrix = request.analysis?.pairwise?.criteria;
  if (matrix === undefined) return;
  const n = Array.isArray(request.criteria) ? request.criteria.length : 0;
  const at = 'analysis.pairwise.criteria';
  if (
    !p.check(
      Array.isArray(matrix) &&
        matrix.length === n &&
        matrix.every((row) => Array.isArray(row) && row.length === n),
      at,
      `must be a ${n}x${n} matrix in the order of criteria[]`,
    )
  )
    return;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      if (!p.check(isFiniteNumber(v) && v > 0, `${at}[${i}][${j}]`, 'must be a positive number')) continue;
      if (i === j) p.check(Math.abs(v - 1) < 1e-9, `${at}[${i}][${j}]`, 'must be 1 on the diagonal');
      else if (isFiniteNumber(matrix[j][i]))
        p.check(
          Math.abs(v * matrix[j][i] - 1) < 0.02,
          `${at}[${i}][${j}]`,
          `must be the reciprocal of [${j}][${i}]`,
        );
    }
  }
}

function checkRest(request: DecisionRequest, p: Problems): void {
  p.check(isNonEmptyString(request.id), 'id', 'must be a non-empty string');
  p.check(typeof request.title === 'string', 'title', 'must be a string');
  p.check(
    (VOTING_SYSTEMS as readonly string[]).includes(request.votingSystem),
    'votingSystem',
    `must be one of ${VOTING_SYSTEMS.join(', ')}`,
  );
  if (request.deadline !== undefined)
    p.check(isIsoDate(request.deadline), 'deadline', 'must be an ISO 8601 date');
  if (request.biasCorrection !== undefined)
    p.check(
      (BIAS_CORRECTION_MODES as readonly string[]).includes(request.biasCorrection),
      'biasCorrection',
      `must be one of ${BIAS_CORRECTION_MODES.join(', ')}`,
    );
  checkRequestShape(request as unknown as Record<string, unknown>, (path, message) => p.add(path, message));
  if (isObject(request.analysis)) {
    p.check(
      (ANALYSIS_METHODS as readonly string[]).includes(request.analysis?.method),
      'analysis.method',
      `must be one of ${ANALYSIS_METHODS.join(', ')}`,
    );
  }
  (Array.isArray(request.constraints) ? request.constraints : []).forEach((c, i) => {
    if (!isObject(c)) return;
    p.check(isNonEmptyString(c?.criterion), `constraints[${i}].criterion`, 'must be a non-empty string');
    p.check(
      OPERATORS.has(c?.operator),
      `constraints[${i}].operator`,
      `must be one of ${[...OPERATORS].join(', ')}`,
    );
    p.check(isFiniteNumber(c?.value), `constraints[${i}].value`, 'must be a finite number');
  });
  const q = request.quorum;
  if (isObject(q)) {
    for (const field of ['minimum', 'percentage', 'expertiseThreshold'] as const) {
      if (q[field] !== undefined)
        p.check(
          isFiniteNumber(q[field]) && (q[field] as number) >= 0,
          `quorum.${field}`,
          'must be a finite number >= 0',
        );
    }
    if (q.stakeholderTypes !== undefined)
      p.check(
        Array.isArray(q.stakeholderTypes) && q.stakeholderTypes.every(isNonEmptyString),
        'quorum.stakeholderTypes',
        'must be an array of role names',
      );
  }
}

/** Validates the request and returns it in canonical form; throws DecisionValidationError naming every bad field. */
export function validateRequest(input: DecisionRequestInput): Problem {
  // Read as the checked form; every field below is checked before the returned Problem is built from it.
  const request: DecisionRequest = input as DecisionRequest;
  const p = new Problems();
  if (typeof request !== 'object' || request === null)
    throw new DecisionValidationError([{ path: '', message: 'must be an object' }]);
  checkRest(request, p);
  // Over-budget elections are refused before anything reads their ballots.
  if (
    (VOTING_SYSTEMS as readonly string[]).includes(request.votingSystem) &&
    Array.isArray(request.alternatives) &&
    Array.isArray(request.ballots) &&
    request.ballots.length > 0
  ) {
    const over = countLimitProblems(
      request.votingSystem,
      request.alternatives.length,
      request.ballots.length,
    );
    if (over.length > 0) throw new DecisionValidationError([...p.list, ...over]);
  }
  const alternativeIds = checkAlternatives(request, p);
  checkCriteria(request, p);
  const stakeholderIds = checkStakeholders(request, p);
  checkBallots(request, alternativeIds, stakeholderIds, p);
  checkPairwise(request, p);
  if (p.list.length > 0) throw new DecisionValidationError(p.list);

  const order = request.criteria
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.criterion < b.c.criterion ? -1 : 1));
  const total = order.reduce((sum, { c }) => sum + c.weight, 0); // summed in canonical order: bit-identical whatever the input order
  const criteria = order.map(({ c }) => ({
    name: c.criterion,
    weight: total > 0 ? c.weight / total : 0,
    direction: c.direction ?? defaultDirection(c.criterion),
    adjustable: c.adjustable ?? true,
    agreement: c.stakeholderAgreement,
  }));
  const raw = request.analysis?.pairwise?.criteria;
  const pairwise = raw ? order.map(({ i }) => order.map(({ i: j }) => raw[i][j])) : undefined;
  const stakeholders = [...request.stakeholders].sort(byId);
  return {
    request,
    alternatives: [...request.alternatives].sort(byId),
    criteria,
    constraints: [...(request.constraints ?? [])],
    stakeholders,
    stakeholderById: new Map(stakeholders.map((s) => [s.id, s])),
    ballots: [...(request.ballots ?? [])].sort((a, b) => (a.stakeholderId < b.stakeholderId ? -1 : 1)),
    method: request.analysis?.method ?? 'weighted_sum',
    methodRequested: request.analysis !== undefined,
    pairwise,
  };
}
