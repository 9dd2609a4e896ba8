import { checkLinearizable, type KvOperation } from './linearizability';

let id = 0;
const op = (o: Omit<KvOperation, 'id' | 'client'> & { client?: string }): KvOperation => ({
  id: ++id,
  client: 'c',
  ...o,
});
const put = (value: string, invoke: number, respond: number | null, previous: string | null = null) =>
  op({
    kind: 'put',
    key: 'k',
    value,
    invoke,
    respond,
    result: respond === null ? undefined : { applied: true, value, previous },
  });
const read = (value: string | null, invoke: number, respond: number) =>
  op({ kind: 'read', key: 'k', invoke, respond, readValue: value });

describe('checkLinearizable (Wing & Gong search per key)', () => {
  it('accepts a sequential history', () => {
    expect(
      checkLinearizable([put('1', 1, 2), read('1', 3, 4), put('2', 5, 6, '1'), read('2', 7, 8)]).ok,
    ).toBe(true);
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    expect(checkLinearizable([put('1', 1, 2), put('2', 3, 6, '1'), read('2', 4, 5)]).ok).toBe(true);
    expect(checkLinearizable([put('1', 1, 2), put('2', 3, 6, '1'), read('1', 4, 5)]).ok).toBe(true);
  });

  it('rejects a stale read after a completed write', () => {
    const r = checkLinearizable([put('1', 1, 2), put('2', 3, 4, '1'), read('1', 5, 6)]);
    expect(r).toMatchObject({ ok: false, key: 'k' });
  });

  it('rejects two cas that both claim the empty key', () => {
    const cas = (value: string, invoke: number, respond: number) =>
      op({ kind: 'cas', key: 'k', value, invoke, respond, result: { applied: true, value, previous: null } });
    expect(checkLinearizable([cas('a', 1, 4), cas('b', 2, 3)]).ok).toBe(false);
  });

  it('lets an unanswered write take effect or not', () => {
    expect(checkLinearizable([put('1', 1, null), read('1', 2, 3)]).ok).toBe(true);
    expect(checkLinearizable([put('1', 1, null), read(null, 2, 3)]).ok).toBe(true);
    expect(checkLinearizable([put('1', 1, null), read('1', 2, 3), read(null, 4, 5)]).ok).toBe(false);
  });

  it('checks keys independently', () => {
    const other = op({ kind: 'read', key: 'j', invoke: 1, respond: 2, readValue: 'ghost' });
    expect(checkLinearizable([put('1', 1, 2), other])).toMatchObject({ ok: false, key: 'j' });
  });
});
