import { buildDeadLetter, headerValue, type DeadLetterInput } from './dead-letter';

const input = (bytes: number, extra: Partial<DeadLetterInput> = {}): DeadLetterInput => ({
  subject: 'ossa.tasks.submit',
  stream: 'OSSA_TASKS',
  consumer: 'registry-handoff',
  sequence: 42,
  deliveries: 1,
  reason: 'permanent',
  error: 'invalid task request: id',
  data: new Uint8Array(bytes).fill(0x61),
  ...extra,
});

/** Bytes the server counts against max_payload: the header block as nats.js writes it, plus the body. */
function wireSize(letter: ReturnType<typeof buildDeadLetter>): number {
  let headers = 'NATS/1.0\r\n';
  for (const [k, values] of letter.headers) for (const v of values) headers += `${k}: ${v}\r\n`;
  // JetStream adds the message id header when publishing.
  headers += `Nats-Msg-Id: ${letter.msgId}\r\n\r\n`;
  return Buffer.byteLength(headers) + letter.data.byteLength;
}

describe('dead letters', () => {
  const maxPayload = 1024 * 1024;

  it('carries a small body whole with the reference headers', () => {
    const letter = buildDeadLetter(input(100), maxPayload);
    expect(letter.body).toBe('full');
    expect(letter.data.byteLength).toBe(100);
    expect(letter.headers.get('Ossa-Body')).toBe('full');
    expect(letter.headers.get('Ossa-Original-Stream')).toBe('OSSA_TASKS');
    expect(letter.headers.get('Ossa-Original-Sequence')).toBe('42');
    expect(letter.headers.get('Ossa-Original-Size')).toBe('100');
    expect(letter.headers.get('Ossa-Reason')).toBe('permanent');
    expect(letter.msgId).toBe('OSSA_TASKS:registry-handoff:42');
  });

  it.each([maxPayload - 100, maxPayload, 4 * maxPayload])('cuts a body of %d bytes so the dead letter stays within max_payload', (bytes) => {
    const letter = buildDeadLetter(input(bytes), maxPayload);
    expect(letter.body).toBe('truncated');
    expect(letter.data.byteLength).toBeLessThan(bytes);
    expect(letter.data.byteLength).toBeGreaterThan(maxPayload - 4096);
    expect(letter.headers.get('Ossa-Original-Size')).toBe(String(bytes));
    expect(wireSize(letter)).toBeLessThanOrEqual(maxPayload);
  });

  it('keeps only the reference when max_payload leaves no room for a body', () => {
    const letter = buildDeadLetter(input(10_000), 600);
    expect(letter.body).toBe('reference');
    expect(letter.data.byteLength).toBe(0);
  });

  it('never lets an error message break the header block', () => {
    const letter = buildDeadLetter(input(10, { error: 'bad\r\nNats-Msg-Id: forged\r\n\u0000é' + 'x'.repeat(5000) }), maxPayload);
    const error = letter.headers.get('Ossa-Error');
    expect(error).toMatch(/^[ -~]+$/);
    expect(error.length).toBeLessThanOrEqual(512);
    expect(headerValue('\r\n')).toBe('-');
  });
});
