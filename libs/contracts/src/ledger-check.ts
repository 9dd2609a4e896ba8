// The ledger's proposal subjects carry most of the consensus service's requests: their bodies are checked here
// by plain code instead of class-transformer + class-validator (11% of the leader's busy time under load). The
// rules, the details and their order are those `validateDto(LedgerCommandDto | LedgerBatchDto, …)` gives;
// libs/contracts/src/ledger-check.spec.ts holds the two to each other on generated valid and malformed bodies.
import type { ErrorDetail } from './errors';
import { checkJsonShape, validationFailed } from './validation';
import { LEDGER_OPS, type LedgerCommand } from './vocabulary';
import {
  MAX_LEDGER_BATCH,
  MAX_LEDGER_CLIENT_ID_LENGTH,
  MAX_LEDGER_KEY_LENGTH,
  MAX_LEDGER_VALUE_LENGTH,
} from './dto/ledger.dto';

const FIELDS: ReadonlySet<string> = new Set([
  'op',
  'key',
  'value',
  'expected',
  'clientId',
  'requestId',
  'firstOutstanding',
]);

/**
 * A string's length as the DTO's `@Length` / `@MaxLength` count it (validator.js): a surrogate pair, or a
 * character followed by a variation selector, counts once.
 */
function countedLength(text: string): number {
  const presentation = text.match(/[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g)?.length ?? 0;
  const surrogates = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0;
  return text.length - presentation - surrogates;
}

/** The counted length never exceeds the UTF-16 length, so the regular expressions run only near a limit. */
function withinLength(text: string, min: number, max: number): boolean {
  if (min === 0 && text.length <= max) return true;
  const n = countedLength(text);
  return n >= min && n <= max;
}

/** `@Length(min, max)`'s message, chosen as class-validator chooses it (by the value's own `length`). */
function lengthMessage(field: string, value: unknown, min: number, max: number): string {
  const length = (value as { length?: unknown } | null | undefined)?.length as number;
  if (!value || length < min) return `${field} must be longer than or equal to ${min} characters`;
  if (length > max) return `${field} must be shorter than or equal to ${max} characters`;
  return `${field} must be longer than or equal to ${min} and shorter than or equal to ${max} characters`;
}

/** `@IsString() @Length(min, max)`. */
function checkText(
  out: ErrorDetail[],
  path: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): void {
  const isText = typeof value === 'string';
  if (!isText || !withinLength(value, min, max))
    out.push({ field: path, constraint: 'isLength', message: lengthMessage(name, value, min, max) });
  if (!isText) out.push({ field: path, constraint: 'isString', message: `${name} must be a string` });
}

/** `@IsString(message) @MaxLength(max)`. */
function checkLongText(
  out: ErrorDetail[],
  path: string,
  name: string,
  value: unknown,
  notText: string,
): void {
  const isText = typeof value === 'string';
  if (!isText || !withinLength(value, 0, MAX_LEDGER_VALUE_LENGTH))
    out.push({
      field: path,
      constraint: 'maxLength',
      message: `${name} must be shorter than or equal to ${MAX_LEDGER_VALUE_LENGTH} characters`,
    });
  if (!isText) out.push({ field: path, constraint: 'isString', message: notText });
}

/** `@IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)`. */
function checkCount(out: ErrorDetail[], path: string, name: string, value: unknown): void {
  const isNumber = typeof value === 'number';
  if (!isNumber || !(value <= Number.MAX_SAFE_INTEGER))
    out.push({
      field: path,
      constraint: 'max',
      message: `${name} must not be greater than ${Number.MAX_SAFE_INTEGER}`,
    });
  if (!isNumber || !(value >= 0))
    out.push({ field: path, constraint: 'min', message: `${name} must not be less than 0` });
  if (!isNumber || !Number.isInteger(value))
    out.push({ field: path, constraint: 'isInt', message: `${name} must be an integer number` });
}

/** Field names as the DTO path names them: `key`, `commands[3].key`, an index-like key as `[7]`. */
function fieldPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

const absent = (value: unknown) => value === undefined || value === null;

/**
 * The rules of {@link LedgerCommandDto} on one plain object, appending a detail per broken rule to `out`;
 * returns the command (only its own fields; an optional field sent as null is left out) when none broke.
 */
function collectCommand(
  plain: Record<string, unknown>,
  parent: string,
  out: ErrorDetail[],
): LedgerCommand | undefined {
  const before = out.length;
  for (const name of Object.keys(plain))
    if (!FIELDS.has(name))
      out.push({
        field: fieldPath(parent, name),
        constraint: 'whitelistValidation',
        message: `${name} should not exist`,
      });
  const { op, key, value, expected, clientId, requestId, firstOutstanding } = plain;
  const at = (name: string) => (parent ? `${parent}.${name}` : name);
  if (!(LEDGER_OPS as readonly unknown[]).includes(op))
    out.push({ field: at('op'), constraint: 'isIn', message: 'op must be one of put, cas, delete' });
  checkText(out, at('key'), 'key', key, 1, MAX_LEDGER_KEY_LENGTH);
  if (op === 'put' || value !== undefined)
    checkLongText(out, at('value'), 'value', value, 'value must be a string (required for put)');
  if (!absent(expected))
    checkLongText(out, at('expected'), 'expected', expected, 'expected must be a string');
  if (!absent(clientId)) checkText(out, at('clientId'), 'clientId', clientId, 1, MAX_LEDGER_CLIENT_ID_LENGTH);
  if (!absent(requestId)) checkCount(out, at('requestId'), 'requestId', requestId);
  if (!absent(firstOutstanding))
    checkCount(out, at('firstOutstanding'), 'firstOutstanding', firstOutstanding);
  if (out.length > before) return undefined;
  const command: LedgerCommand = { op: op as LedgerCommand['op'], key: key as string };
  if (value !== undefined) command.value = value as string;
  if (!absent(expected)) command.expected = expected as string;
  if (!absent(clientId)) command.clientId = clientId as string;
  if (!absent(requestId)) command.requestId = requestId as number;
  if (!absent(firstOutstanding)) command.firstOutstanding = firstOutstanding as number;
  return command;
}

/** Whether anything in the object could break a shape rule ({@link checkJsonShape}): a nested value or an unknown key. */
function mayBreakShape(plain: Record<string, unknown>, fields: ReadonlySet<string>): boolean {
  for (const name in plain) {
    if (!Object.prototype.hasOwnProperty.call(plain, name)) continue;
    if (!fields.has(name)) return true;
    const value = plain[name];
    if (typeof value === 'object' && value !== null) return true;
  }
  return false;
}

function requireObject(plain: unknown): Record<string, unknown> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain))
    throw validationFailed([
      { field: '(body)', constraint: 'object', message: 'body must be a JSON object' },
    ]);
  return plain as Record<string, unknown>;
}

/**
 * `ossa.consensus.propose`: the body as a ledger command, or VALIDATION_FAILED naming each bad field (the
 * details `validateDto(LedgerCommandDto, body)` gives). Throws nothing else.
 */
export function checkLedgerCommand(plain: unknown): LedgerCommand {
  const body = requireObject(plain);
  if (mayBreakShape(body, FIELDS)) checkJsonShape(body);
  const details: ErrorDetail[] = [];
  const command = collectCommand(body, '', details);
  if (!command) throw validationFailed(details);
  return command;
}

const BATCH_FIELDS: ReadonlySet<string> = new Set(['commands']);
const NOT_OBJECTS = 'each value in nested property commands must be either object or array';

/** Whether `checkJsonShape` could refuse a batch body: unknown keys, a list past its limit, nesting in a command. */
function batchMayBreakShape(body: Record<string, unknown>, commands: unknown): boolean {
  for (const name in body)
    if (Object.prototype.hasOwnProperty.call(body, name) && !BATCH_FIELDS.has(name)) return true;
  if (!Array.isArray(commands)) return typeof commands === 'object' && commands !== null;
  if (commands.length > MAX_LEDGER_BATCH) return true;
  for (const item of commands)
    if (
      typeof item === 'object' &&
      item !== null &&
      (Array.isArray(item) || mayBreakShape(item as Record<string, unknown>, FIELDS))
    )
      return true;
  return false;
}

/**
 * `ossa.consensus.propose.batch`: `{commands: [command, …]}` (1 to {@link MAX_LEDGER_BATCH}), each command
 * checked as {@link checkLedgerCommand} and named `commands[i].field`; the whole batch is refused when any
 * field is bad. The details are those `validateDto(LedgerBatchDto, body)` gives, except that this check is
 * stricter in two places the DTO lets through: a list where a command belongs (class-validator validates its
 * elements instead) and keys named like `Object.prototype`'s methods (`hasOwnProperty`, …), refused as unknown.
 */
export function checkLedgerBatch(plain: unknown): LedgerCommand[] {
  const body = requireObject(plain);
  const { commands } = body;
  if (batchMayBreakShape(body, commands)) checkJsonShape(body);
  if (Array.isArray(commands) && commands.length > MAX_LEDGER_BATCH)
    throw validationFailed([
      {
        field: 'commands',
        constraint: 'arrayMaxSize',
        message: `commands must contain no more than ${MAX_LEDGER_BATCH} elements (${commands.length} given)`,
      },
    ]);
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(body))
    if (!BATCH_FIELDS.has(name))
      details.push({
        field: fieldPath('', name),
        constraint: 'whitelistValidation',
        message: `${name} should not exist`,
      });
  const out: LedgerCommand[] = [];
  if (!Array.isArray(commands)) {
    details.push(
      {
        field: 'commands',
        constraint: 'arrayMaxSize',
        message: `commands must contain no more than ${MAX_LEDGER_BATCH} elements`,
      },
      { field: 'commands', constraint: 'arrayMinSize', message: 'commands must contain at least 1 elements' },
      { field: 'commands', constraint: 'isArray', message: 'commands must be an array' },
    );
    // As the DTO does: a lone object is checked as one command (`commands.key`), anything else is not an object.
    if (typeof commands === 'object' && commands !== null)
      collectCommand(commands as Record<string, unknown>, 'commands', details);
    else if (commands !== undefined)
      details.push({ field: 'commands', constraint: 'nestedValidation', message: NOT_OBJECTS });
  } else {
    if (commands.length === 0)
      details.push({
        field: 'commands',
        constraint: 'arrayMinSize',
        message: 'commands must contain at least 1 elements',
      });
    commands.forEach((item: unknown, i) => {
      const path = `commands[${i}]`;
      if (Array.isArray(item))
        details.push({
          field: path,
          constraint: 'nestedValidation',
          message: 'each value in commands must be a command object, not a list',
        });
      else if (typeof item !== 'object' || item === null)
        details.push({ field: path, constraint: 'nestedValidation', message: NOT_OBJECTS });
      else {
        const command = collectCommand(item as Record<string, unknown>, path, details);
        if (command) out.push(command);
      }
    });
  }
  if (details.length > 0) throw validationFailed(details);
  return out;
}
