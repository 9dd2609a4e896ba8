import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { OssaError, type ErrorDetail } from './errors';

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface DecodeOptions {
  /** Payloads larger than this are refused before parsing. */
  maxPayloadBytes?: number;
}

function failed(details: ErrorDetail[]): OssaError {
  const fields = details.map((d) => d.field).join(', ');
  return new OssaError('VALIDATION_FAILED', `Invalid request: ${fields}`, details);
}

/** Parses a request body: empty means `{}`; anything but a JSON object is refused. */
export function decodeJsonObject(payload: Uint8Array, options: DecodeOptions = {}): Record<string, unknown> {
  const limit = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (payload.byteLength > limit) {
    throw failed([
      { field: '(payload)', constraint: 'maxBytes', message: `payload of ${payload.byteLength} bytes exceeds the limit of ${limit} bytes` },
    ]);
  }
  if (payload.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    throw failed([{ field: '(body)', constraint: 'json', message: `body is not valid JSON: ${(err as Error).message}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw failed([{ field: '(body)', constraint: 'object', message: 'body must be a JSON object' }]);
  }
  return parsed as Record<string, unknown>;
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
    if (error.children?.length) details.push(...flattenValidationErrors(error.children, field));
  }
  return details;
}

/** Turns a plain object into a validated DTO instance, or throws VALIDATION_FAILED naming each bad field. */
export function validateDto<T extends object>(dto: ClassConstructor<T>, plain: Record<string, unknown>): T {
  const instance = plainToInstance(dto, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw failed(flattenValidationErrors(errors));
  return instance;
}

/** decodeJsonObject + validateDto. */
export function decodeRequest<T extends object>(dto: ClassConstructor<T>, payload: Uint8Array, options?: DecodeOptions): T {
  return validateDto(dto, decodeJsonObject(payload, options));
}
