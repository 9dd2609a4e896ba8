// The plain checks of the proposal subjects against the DTOs they stand in for: on generated valid and malformed
// bodies, both accept the same bodies with the same command, or refuse them with the same VALIDATION_FAILED
// (message and every detail, in order). Replay a failure with the seed fast-check prints.
import fc from 'fast-check';
import {
  checkLedgerBatch,
  checkLedgerCommand,
  LedgerBatchDto,
  LedgerCommandDto,
  MAX_LEDGER_BATCH,
  MAX_LEDGER_VALUE_LENGTH,
  OssaError,
  validateDto,
} from './index';

type Outcome = { ok: unknown } | { code: string; message: string; details: unknown };

function outcome(run: () => unknown): Outcome {
  try {
    return { ok: run() };
  } catch (err) {
    if (!(err instanceof OssaError)) throw err;
    return { code: err.code, message: err.message, details: err.details };
  }
}

/** The DTO's instance as the plain command it carries: own fields only, an optional field sent as null left out. */
function asCommand(instance: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(instance).filter(([, v]) => v !== undefined && v !== null));
}

function viaDto(body: unknown): Outcome {
  const out = outcome(() => validateDto(LedgerCommandDto, body));
  return 'ok' in out ? { ok: asCommand(out.ok as object) } : out;
}

function batchViaDto(body: unknown): Outcome {
  const out = outcome(() => validateDto(LedgerBatchDto, body));
  return 'ok' in out ? { ok: (out.ok as LedgerBatchDto).commands.map(asCommand) } : out;
}

// Strings at and around every limit, counted as validator.js counts (a surrogate pair or a character with a
// variation selector is one), in both units.
const KEY_EDGE = [
  '',
  'k',
  'x'.repeat(1024),
  'x'.repeat(1025),
  '😀'.repeat(512),
  '😀'.repeat(513),
  '😀'.repeat(1024),
  'a\uFE0F'.repeat(700),
  '\uFE0F',
  '\uD800',
  '\uDC00\uD800',
];
const ID_EDGE = [
  '',
  'c',
  'x'.repeat(200),
  'x'.repeat(201),
  '😀'.repeat(200),
  '😀'.repeat(201),
  'é'.repeat(150),
];
const VALUE_EDGE = [
  '',
  'v',
  'x'.repeat(MAX_LEDGER_VALUE_LENGTH),
  'x'.repeat(MAX_LEDGER_VALUE_LENGTH + 1),
  '😀'.repeat(MAX_LEDGER_VALUE_LENGTH / 2 + 1),
  '😀'.repeat(MAX_LEDGER_VALUE_LENGTH),
];
const NUMBER_EDGE = [
  0,
  -0,
  1,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  2 ** 53 + 2,
  1e300,
  -1e300,
  5e-324,
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const odd = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(...NUMBER_EDGE),
  text,
  fc.array(fc.oneof(fc.integer(), text), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('length', 'op', 'x'), fc.oneof(fc.integer(), text), { maxKeys: 2 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** Commands a client would send: every rule kept. */
const validCommand = fc
  .record(
    {
      op: fc.constantFrom('put', 'cas', 'delete'),
      key: fc.oneof(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.constantFrom('k', 'x'.repeat(1024), '😀'.repeat(1024)),
      ),
      value: fc.oneof(text, fc.constantFrom(...VALUE_EDGE.slice(0, 3))),
      expected: text,
      clientId: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constant('x'.repeat(200))),
      requestId: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
      firstOutstanding: fc.nat(),
    },
    { requiredKeys: ['op', 'key'] },
  )
  .map((c) => (c.op === 'put' && c.value === undefined ? { ...c, value: '' } : c));

/** Every field may be missing, odd, at an edge, or right; unknown keys (index-like ones too) may come along. */
const anyCommand = fc
  .record({
    op: maybe(fc.oneof(fc.constantFrom('put', 'cas', 'delete', 'PUT', ''), odd)),
    key: maybe(fc.oneof(fc.constantFrom(...KEY_EDGE), text, odd)),
    value: maybe(fc.oneof(fc.constantFrom(...VALUE_EDGE), text, odd)),
    expected: maybe(fc.oneof(fc.constantFrom(...VALUE_EDGE.slice(0, 4)), text, odd)),
    clientId: maybe(fc.oneof(fc.constantFrom(...ID_EDGE), text, odd)),
    requestId: maybe(fc.oneof(fc.nat(), odd)),
    firstOutstanding: maybe(fc.oneof(fc.nat(), odd)),
    extra: fc.dictionary(
      fc.oneof(
        fc.constantFrom('7', '0', 'extra', 'Key', 'values'),
        fc.string({ minLength: 1, maxLength: 8 }),
      ),
      odd,
      { maxKeys: 2 },
    ),
  })
  .map(({ extra, ...fields }) => {
    const body: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) body[name] = value;
    // Through JSON, as the transport hands bodies over (no undefined, -0 kept as 0).
    return JSON.parse(JSON.stringify({ ...extra, ...body })) as Record<string, unknown>;
  })
  // Keys named like Object.prototype's members fool class-validator's whitelist (tested apart below).
  .filter((body) => Object.keys(body).every((k) => !(k in Object.prototype)));

describe('checkLedgerCommand: the plain check of ossa.consensus.propose, held to LedgerCommandDto', () => {
  it('accepts every valid command, as the DTO does, with the same fields', () => {
    fc.assert(
      fc.property(validCommand, (command) => {
        const body = JSON.parse(JSON.stringify(command)) as unknown;
        expect(outcome(() => checkLedgerCommand(body))).toEqual(viaDto(body));
        expect(checkLedgerCommand(body)).toEqual(body);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same outcome and the same details, in order, on malformed commands', () => {
    let refused = 0;
    fc.assert(
      fc.property(anyCommand, (body) => {
        const mine = outcome(() => checkLedgerCommand(body));
        expect(mine).toEqual(viaDto(body));
        if ('code' in mine) refused++;
      }),
      { numRuns: 1500 },
    );
    // The generator mostly breaks rules: the comparison covered refusals, not only acceptances.
    expect(refused).toBeGreaterThan(1000);
  });

  it('refuses non-objects and bodies the shape rules refuse, as validateDto does', () => {
    const nested = { op: 'put', key: 'k', value: 'v', extra: {} as Record<string, unknown> };
    let at = nested.extra;
    for (let i = 0; i < 40; i++) at = at.deeper = {};
    const bodies: unknown[] = [
      null,
      5,
      'x',
      [],
      [{ op: 'put' }],
      nested,
      JSON.parse('{"__proto__": {"op": "put"}, "key": "k"}'),
      Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, 1])),
    ];
    for (const body of bodies) {
      const mine = outcome(() => checkLedgerCommand(body));
      expect(mine).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(mine).toEqual(viaDto(body));
    }
  });

  it('refuses keys named like Object.prototype members, which the DTO lets through', () => {
    for (const name of ['hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'toString', 'valueOf']) {
      const body = JSON.parse(`{"op": "put", "key": "k", "value": "v", "${name}": 1}`) as unknown;
      expect(outcome(() => checkLedgerCommand(body))).toEqual({
        code: 'VALIDATION_FAILED',
        message: `Invalid request: ${name}`,
        details: [{ field: name, constraint: 'whitelistValidation', message: `${name} should not exist` }],
      });
    }
  });

  it('leaves out optional fields sent as null, so a null clientId is no shared session', () => {
    expect(
      checkLedgerCommand({
        op: 'cas',
        key: 'k',
        value: 'v',
        expected: null,
        clientId: null,
        requestId: null,
        firstOutstanding: null,
      }),
    ).toEqual({ op: 'cas', key: 'k', value: 'v' });
  });
});

describe('checkLedgerBatch: the plain check of ossa.consensus.propose.batch, held to LedgerBatchDto', () => {
  const item = fc.oneof(
    { weight: 4, arbitrary: anyCommand },
    { weight: 4, arbitrary: validCommand },
    { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer(), text) },
  );
  const anyBatch = fc
    .record({
      commands: maybe(fc.oneof({ weight: 6, arbitrary: fc.array(item, { maxLength: 6 }) }, odd, anyCommand)),
      extra: fc.dictionary(fc.constantFrom('7', 'extra', 'command'), odd, { maxKeys: 1 }),
    })
    .map(
      ({ commands, extra }) =>
        JSON.parse(JSON.stringify(commands === undefined ? extra : { ...extra, commands })) as unknown,
    );

  it('gives the same outcome and details as the DTO on generated batches', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyBatch, (body) => {
        const mine = outcome(() => checkLedgerBatch(body));
        expect(mine).toEqual(batchViaDto(body));
        if ('ok' in mine) accepted++;
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('accepts batches of valid commands up to the limit and refuses one more', () => {
    fc.assert(
      fc.property(fc.array(validCommand, { minLength: 1, maxLength: 20 }), (commands) => {
        const body = JSON.parse(JSON.stringify({ commands })) as unknown;
        expect(outcome(() => checkLedgerBatch(body))).toEqual(batchViaDto(body));
      }),
      { numRuns: 200 },
    );
    const full = {
      commands: Array.from({ length: MAX_LEDGER_BATCH }, (_, i) => ({ op: 'put', key: `k${i}`, value: 'v' })),
    };
    expect(checkLedgerBatch(full)).toHaveLength(MAX_LEDGER_BATCH);
    const over = { commands: [...full.commands, { op: 'delete', key: 'k' }] };
    expect(outcome(() => checkLedgerBatch(over))).toEqual(batchViaDto(over));
    expect(outcome(() => checkLedgerBatch(over))).toMatchObject({
      details: [{ field: 'commands', constraint: 'arrayMaxSize' }],
    });
  });

  it('refuses a list where a command belongs, which the DTO would walk into', () => {
    expect(
      outcome(() => checkLedgerBatch({ commands: [[], { op: 'put', key: 'k', value: 'v' }] })),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'commands[0]', constraint: 'nestedValidation' }],
    });
  });
});
