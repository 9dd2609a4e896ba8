import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { AgentBatchDto, checkJsonShape, ConflictDetectRequest, ConflictResolveRequest, decodeJsonObject, decodeRequest, HandoffRequestDto, MAX_ARRAY_ITEMS, MAX_ERROR_DETAILS, MAX_NESTING_DEPTH, MAX_OBJECT_KEYS, OssaError, PingRequest, validateDto } from './index';

class Inner {
  @IsInt()
  @Min(0)
  units!: number;
}
class Outer {
  @IsString()
  name!: string;
  @ValidateNested({ each: true })
  @Type(() => Inner)
  items!: Inner[];
}

class Exploding {
  @Transform(() => {
    throw new TypeError('cannot convert');
  })
  @IsString()
  name!: string;
}

const bytes = (s: string) => new TextEncoder().encode(s);

function catchError(fn: () => unknown): OssaError {
  try {
    fn();
  } catch (err) {
    return err as OssaError;
  }
  throw new Error('expected an error');
}

describe('request validation', () => {
  it('treats an empty body as an empty object', () => {
    expect(decodeJsonObject(new Uint8Array())).toEqual({});
  });

  it('refuses bad JSON, non-objects and oversize payloads with VALIDATION_FAILED', () => {
    expect(catchError(() => decodeJsonObject(bytes('{nope'))).details[0]).toMatchObject({ field: '(body)', constraint: 'json' });
    expect(catchError(() => decodeJsonObject(bytes('[1,2]'))).details[0]).toMatchObject({ constraint: 'object' });
    const big = catchError(() => decodeJsonObject(bytes('{"a":"' + 'x'.repeat(100) + '"}'), { maxPayloadBytes: 50 }));
    expect(big.code).toBe('VALIDATION_FAILED');
    expect(big.details[0]).toMatchObject({ field: '(payload)', constraint: 'maxBytes' });
  });

  it('names every bad field with its full path, including unknown fields', () => {
    const err = catchError(() =>
      decodeRequest(Outer, bytes(JSON.stringify({ name: 3, items: [{ units: 1 }, { units: -2, colour: 'red' }], extra: true }))),
    );
    expect(err.code).toBe('VALIDATION_FAILED');
    const fields = err.details.map((d) => d.field).sort();
    expect(fields).toEqual(['extra', 'items[1].colour', 'items[1].units', 'name']);
    expect(err.toEnvelope().error.code).toBe('VALIDATION_FAILED');
  });

  it('accepts a valid ping and rejects a wrong type', () => {
    expect(decodeRequest(PingRequest, bytes('{"holdMs":5}')).holdMs).toBe(5);
    expect(catchError(() => decodeRequest(PingRequest, bytes('{"holdMs":"5"}'))).details[0].field).toBe('holdMs');
  });

  it('refuses nesting deeper than the limit before any transformer recurses into it', () => {
    // 10,000 levels would overflow class-transformer's recursion; the iterative check names where it stops.
    const deep = '{"items":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    const err = catchError(() => decodeRequest(Outer, bytes(deep)));
    expect(err).toBeInstanceOf(OssaError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details[0]).toMatchObject({ constraint: 'maxDepth', field: 'items' + '[0]'.repeat(MAX_NESTING_DEPTH - 1) });
    // The body plus 31 nested containers is exactly the limit; one more is refused.
    const nested = (levels: number) => JSON.parse('{"a":' + '['.repeat(levels) + ']'.repeat(levels) + '}') as unknown;
    expect(() => checkJsonShape(nested(MAX_NESTING_DEPTH - 1))).not.toThrow();
    expect(catchError(() => checkJsonShape(nested(MAX_NESTING_DEPTH))).details[0].constraint).toBe('maxDepth');
  });

  it.each([
    ['__proto__', '{"name":"n","items":[],"__proto__":{"polluted":true}}', '__proto__'],
    ['constructor', '{"name":"n","items":[{"units":1,"constructor":{"prototype":1}}]}', 'items[0].constructor'],
    ['prototype', '{"id":"t","priority":"low","requiredCapabilities":[{"capabilityId":"c","parameters":{"prototype":null}}]}', 'requiredCapabilities[0].parameters.prototype'],
  ])('refuses the prototype-like key %s wherever it appears, naming its path', (_key, body, field) => {
    const dto = body.includes('priority') ? HandoffRequestDto : Outer;
    const err = catchError(() => decodeRequest(dto as typeof Outer, bytes(body)));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toContainEqual(expect.objectContaining({ field, constraint: 'prototypeKey' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns anything class-transformer throws into VALIDATION_FAILED', () => {
    const err = catchError(() => validateDto(Exploding, { name: 'x' }));
    expect(err).toBeInstanceOf(OssaError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details[0]).toMatchObject({ field: '(body)', constraint: 'shape' });
    expect(err.details[0].message).toContain('cannot convert');
  });

  it('refuses a body that is not an object when validating directly', () => {
    for (const plain of [null, 'x', 3, [1]]) {
      expect(catchError(() => validateDto(Outer, plain)).details[0]).toMatchObject({ field: '(body)', constraint: 'object' });
    }
  });

  it('bounds array lengths of task requests', () => {
    const tasks = Array.from({ length: 20_000 }, (_, i) => ({ id: `t${i}`, priority: 'low' }));
    const err = catchError(() => validateDto(ConflictDetectRequest, { tasks, resources: Array.from({ length: 20_001 }, () => ({ id: 'r', capacity: 1 })) }));
    expect(err.details.map((d) => `${d.field}:${d.constraint}`)).toEqual(['resources:maxItems']);
    const strategies = catchError(() => validateDto(ConflictResolveRequest, { tasks: tasks.slice(0, 1), strategies: ['parallel', 'parallel', 'parallel', 'parallel', 'parallel'] }));
    expect(strategies.details.map((d) => `${d.field}:${d.constraint}`)).toContain('strategies:arrayMaxSize');
  });

  it('refuses a list longer than its DTO allows before validating its items', () => {
    const err = catchError(() => validateDto(AgentBatchDto, { agents: Array.from({ length: 20_000 }, () => ({})) }));
    expect(err.details).toEqual([expect.objectContaining({ field: 'agents', constraint: 'arrayMaxSize' })]);
    // One detail: the items were not validated one by one (each empty agent would have added its own).
    expect(err.details[0].message).toContain('20000 given');
  });

  it('refuses lists and objects past the generic limits anywhere in a body', () => {
    const err = catchError(() => checkJsonShape({ a: { b: Array.from({ length: MAX_ARRAY_ITEMS + 1 }, () => 0) }, c: Object.fromEntries(Array.from({ length: MAX_OBJECT_KEYS + 1 }, (_, i) => [`k${i}`, i])) }));
    expect(err.details.map((d) => `${d.field}:${d.constraint}`).sort()).toEqual(['a.b:maxItems', 'c:maxKeys']);
  });

  it('caps the details of one error so the reply always fits a message', () => {
    const longKey = 'k'.repeat(100_000);
    const items = Array.from({ length: 500 }, () => ({ units: -1 }));
    const err = catchError(() => validateDto(Outer, { name: 'n', items, [longKey]: 1 }));
    expect(err.details).toHaveLength(MAX_ERROR_DETAILS + 1);
    expect(err.details[MAX_ERROR_DETAILS]).toMatchObject({ field: '(more)', constraint: 'maxDetails' });
    expect(JSON.stringify(err.toEnvelope()).length).toBeLessThan(64 * 1024);
  });
});
