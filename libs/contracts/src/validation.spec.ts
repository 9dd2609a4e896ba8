import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { decodeJsonObject, decodeRequest, OssaError, PingRequest } from './index';

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
});
