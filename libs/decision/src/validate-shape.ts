// Shape checks for the optional parts of a request (objects, lists, ranges), so malformed input is named
// field by field instead of failing somewhere inside the engine.
import type { FieldProblem } from './errors';

type Check = (path: string, message: string) => void;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const inUnit = (v: unknown) => isFiniteNumber(v) && v >= 0 && v <= 1;
const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Optional field rules: each returns true when the (present) value is acceptable. */
const RULES = {
  object: [isObject, 'must be an object'],
  string: [(v: unknown) => typeof v === 'string', 'must be a string'],
  strings: [isStringList, 'must be an array of strings'],
  unit: [inUnit, 'must be within [0, 1]'],
  days: [(v: unknown) => isFiniteNumber(v) && v >= 0, 'must be a finite number >= 0'],
  number: [isFiniteNumber, 'must be a finite number'],
  array: [Array.isArray, 'must be an array'],
} as const;
type Rule = keyof typeof RULES;

function optional(
  add: Check,
  holder: Record<string, unknown>,
  at: string,
  fields: Record<string, Rule>,
): void {
  for (const [field, rule] of Object.entries(fields)) {
    const value = holder[field];
    if (value === undefined) continue;
    const [ok, message] = RULES[rule];
    if (!(ok as (v: unknown) => boolean)(value)) add(`${at}.${field}`, message);
  }
}

/** Everything of an alternative besides id, name and attributes. */
export function checkAlternativeShape(alt: Record<string, unknown>, at: string, add: Check): void {
  optional(add, alt, at, {
    description: 'string',
    proposedBy: 'string',
    impact: 'object',
    feasibility: 'object',
    cost: 'object',
    timeline: 'object',
    risks: 'array',
    benefits: 'array',
    dependencies: 'array',
  });
  if (isObject(alt.impact))
    optional(add, alt.impact, `${at}.impact`, { reversibility: 'unit', stakeholderImpact: 'object' });
  if (isObject(alt.cost)) optional(add, alt.cost, `${at}.cost`, { total: 'number', confidence: 'unit' });
  if (isObject(alt.timeline)) {
    optional(add, alt.timeline, `${at}.timeline`, {
      planning: 'days',
      implementation: 'days',
      testing: 'days',
      deployment: 'days',
      total: 'days',
    });
  }
  if (Array.isArray(alt.risks)) {
    alt.risks.forEach((risk, k) => {
      if (typeof risk === 'string') return;
      if (!isObject(risk) || typeof risk.description !== 'string')
        return add(
          `${at}.risks[${k}]`,
          'must be a string or {description, probability?, impact?, mitigation?}',
        );
      optional(add, risk, `${at}.risks[${k}]`, { probability: 'unit', impact: 'unit', mitigation: 'string' });
    });
  }
  if (Array.isArray(alt.dependencies)) {
    alt.dependencies.forEach((dep, k) => {
      if (typeof dep === 'string' && dep.length > 0) return;
      if (!isObject(dep) || typeof dep.id !== 'string' || dep.id.length === 0)
        return add(`${at}.dependencies[${k}]`, 'must be an id or {id, dependsOn?, name?, critical?}');
      optional(add, dep, `${at}.dependencies[${k}]`, { dependsOn: 'strings', name: 'string' });
    });
  }
}

export function checkStakeholderShape(s: Record<string, unknown>, at: string, add: Check): void {
  optional(add, s, at, {
    name: 'string',
    role: 'string',
    team: 'string',
    interests: 'strings',
    expertise: 'object',
    biasFactors: 'object',
  });
  if (isObject(s.expertise))
    optional(add, s.expertise, `${at}.expertise`, {
      domains: 'object',
      credentialScore: 'unit',
      trackRecord: 'unit',
      experience: 'number',
    });
  if (isObject(s.biasFactors))
    optional(add, s.biasFactors, `${at}.biasFactors`, {
      cognitive: 'object',
      personal: 'object',
      organizational: 'object',
    });
}

/** Top-level optional parts: constraints, quorum, analysis, metadata. */
export function checkRequestShape(request: Record<string, unknown>, add: Check): FieldProblem[] {
  optional(add, request, '', {
    description: 'string',
    constraints: 'array',
    quorum: 'object',
    analysis: 'object',
    metadata: 'object',
    ballots: 'array',
    stakeholders: 'array',
  });
  if (Array.isArray(request.constraints))
    request.constraints.forEach((c, i) => !isObject(c) && add(`constraints[${i}]`, 'must be an object'));
  if (isObject(request.quorum)) optional(add, request.quorum, 'quorum', { stakeholderTypes: 'strings' });
  if (isObject(request.analysis)) {
    optional(add, request.analysis, 'analysis', { pairwise: 'object' });
    if (isObject(request.analysis.pairwise) && !Array.isArray(request.analysis.pairwise.criteria))
      add('analysis.pairwise.criteria', 'must be a square matrix');
  }
  if (isObject(request.metadata))
    optional(add, request.metadata, 'metadata', {
      tags: 'strings',
      category: 'string',
      reversibility: 'unit',
    });
  return [];
}
