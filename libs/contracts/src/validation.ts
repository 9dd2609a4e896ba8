import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { OssaError, type ErrorDetail } from './errors';

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Objects and arrays nested deeper than this are refused before any transformer walks them (recursively). */
export const MAX_NESTING_DEPTH = 32;

/** No request field is a list longer than this (the contract's largest, conflict tasks, stops here too). */
export const MAX_ARRAY_ITEMS = 20_000;

/** No request object has more keys than this (records such as scores or parameters included). */
export const MAX_OBJECT_KEYS = 1_000;

/** Keys that reach an object's prototype when copied onto it: refused wherever they appear in a body. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface DecodeOptions {
  /** Payloads larger than this are refused before parsing. */
  maxPayloadBytes?: number;
}

/** Details one VALIDATION_FAILED carries: a hostile body can break thousands of rules, the reply must still fit a message. */
export const MAX_ERROR_DETAILS = 50;
const MAX_FIELD_CHARS = 200;
const MAX_MESSAGE_CHARS = 300;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** VALIDATION_FAILED naming each bad field, capped and clipped so the reply fits a message. */
export function validationFailed(all: ErrorDetail[]): OssaError {
  const details = all.slice(0, MAX_ERROR_DETAILS).map((d) => ({ ...d, field: clip(d.field, MAX_FIELD_CHARS), message: clip(d.message, MAX_MESSAGE_CHARS) }));
  if (all.length > MAX_ERROR_DETAILS) {
    details.push({ field: '(more)', constraint: 'maxDetails', message: `${all.length - MAX_ERROR_DETAILS} more problems not listed` });
  }
  const fields = clip(details.map((d) => d.field).join(', '), 1000);
  return new OssaError('VALIDATION_FAILED', `Invalid request: ${fields}`, details);
}

/** Parses a request body: empty means `{}`; anything but a JSON object is refused. */
export function decodeJsonObject(payload: Uint8Array, options: DecodeOptions = {}): Record<string, unknown> {
  const limit = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (payload.byteLength > limit) {
    throw validationFailed([
      { field: '(payload)', constraint: 'maxBytes', message: `payload of ${payload.byteLength} bytes exceeds the limit of ${limit} bytes` },
    ]);
  }
  if (payload.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    throw validationFailed([{ field: '(body)', constraint: 'json', message: `body is not valid JSON: ${(err as Error).message}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw validationFailed([{ field: '(body)', constraint: 'object', message: 'body must be a JSON object' }]);
  }
  checkJsonShape(parsed);
  return parsed as Record<string, unknown>;
}

/**
 * Refuses, before class-transformer sees the body, what it cannot take safely: nesting deeper than
 * {@link MAX_NESTING_DEPTH} (its recursion overflows the stack), prototype-like keys (they reach the
 * instance's prototype), and lists or objects so long that transforming and validating them would hold the
 * service for seconds. Iterative, so the check itself cannot overflow.
 */
export function checkJsonShape(plain: unknown, maxDepth: number = MAX_NESTING_DEPTH): void {
  const details: ErrorDetail[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: plain, path: '', depth: 0 }];
  while (stack.length > 0 && details.length < 20) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) {
      details.push({ field: path || '(body)', constraint: 'maxDepth', message: `nesting deeper than ${maxDepth} levels is refused` });
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_ARRAY_ITEMS) {
        details.push({ field: path || '(body)', constraint: 'maxItems', message: `lists of more than ${MAX_ARRAY_ITEMS} items are refused (${value.length} given)` });
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > MAX_OBJECT_KEYS) {
      details.push({ field: path || '(body)', constraint: 'maxKeys', message: `objects with more than ${MAX_OBJECT_KEYS} keys are refused (${keys.length} given)` });
      continue;
    }
    for (const key of keys) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        details.push({ field, constraint: 'prototypeKey', message: `the key "${key}" is not accepted anywhere in a request` });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: field, depth: depth + 1 });
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/** Flattens class-validator's error tree into one detail per offending field, named by its full path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = joinPath(parent, error.property);
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      details.push({ field, constraint, message: message.replace(/^property /, '') });
    }
    // A loop, not push(...children): spreading a list of many thousand details overflows the stack.
    if (error.children?.length) for (const child of flattenValidationErrors(error.children, field)) details.push(child);
  }
  return details;
}

/**
 * The DTO's own list limits on its top-level fields, checked before the whole list is transformed and validated
 * item by item (20,000 agents for a batch of at most 1,000 would otherwise cost seconds to refuse).
 */
function checkListLimits(dto: ClassConstructor<object>, plain: Record<string, unknown>): void {
  const details: ErrorDetail[] = [];
  for (const { property, max } of listLimitsOf(dto)) {
    const value = Object.prototype.hasOwnProperty.call(plain, property) ? plain[property] : undefined;
    if (Array.isArray(value) && value.length > max) {
      details.push({ field: property, constraint: 'arrayMaxSize', message: `${property} must contain no more than ${max} elements (${value.length} given)` });
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

/** A DTO's top-level list limits, read once from its decorators (they do not change after the class is defined). */
const listLimits = new WeakMap<ClassConstructor<object>, { property: string; max: number }[]>();
function listLimitsOf(dto: ClassConstructor<object>): { property: string; max: number }[] {
  let limits = listLimits.get(dto);
  if (!limits) {
    limits = getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .filter((meta) => meta.name === 'arrayMaxSize' && !meta.each)
      .map((meta) => ({ property: meta.propertyName, max: Number((meta.constraints as unknown[] | undefined)?.[0]) }));
    listLimits.set(dto, limits);
  }
  return limits;
}

/**
 * Turns a plain object into a validated DTO instance, or throws VALIDATION_FAILED naming each bad field. It
 * throws nothing else: whatever class-transformer or class-validator throw on a hostile body becomes
 * VALIDATION_FAILED too.
 */
export function validateDto<T extends object>(dto: ClassConstructor<T>, plain: unknown): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw validationFailed([{ field: '(body)', constraint: 'object', message: 'body must be a JSON object' }]);
  }
  checkJsonShape(plain);
  checkListLimits(dto, plain as Record<string, unknown>);
  let instance: T;
  let errors: ValidationError[];
  try {
    instance = plainToInstance(dto, plain);
    errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  } catch (err) {
    throw validationFailed([{ field: '(body)', constraint: 'shape', message: `body cannot be read as ${dto.name}: ${(err as Error)?.message ?? String(err)}`.slice(0, 300) }]);
  }
  if (errors.length > 0) throw validationFailed(flattenValidationErrors(errors));
  return instance;
}

/** decodeJsonObject + validateDto. */
export function decodeRequest<T extends object>(dto: ClassConstructor<T>, payload: Uint8Array, options?: DecodeOptions): T {
  return validateDto(dto, decodeJsonObject(payload, options));
}
