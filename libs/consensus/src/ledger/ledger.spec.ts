// The coordination ledger: put / cas / delete semantics, client sessions (thesis §6.3) and snapshots.
import { Ledger, decodeCommand, encodeCommand } from './ledger';

describe('Ledger commands', () => {
  it('put stores a value and reports the previous one', () => {
    const l = new Ledger();
    expect(l.apply({ op: 'put', key: 'task-1', value: 'agent-a' }, 1)).toEqual({
      applied: true,
      value: 'agent-a',
      previous: null,
    });
    expect(l.apply({ op: 'put', key: 'task-1', value: 'agent-b' }, 2)).toEqual({
      applied: true,
      value: 'agent-b',
      previous: 'agent-a',
    });
    expect(l.get('task-1')).toBe('agent-b');
  });

  it('cas without expected succeeds only while the key has no value: exactly one agent wins', () => {
    const l = new Ledger();
    const first = l.apply({ op: 'cas', key: 'task-1', value: 'agent-a' }, 1);
    const second = l.apply({ op: 'cas', key: 'task-1', value: 'agent-b' }, 2);
    expect(first).toEqual({ applied: true, value: 'agent-a', previous: null });
    expect(second).toEqual({ applied: false, value: 'agent-a', previous: 'agent-a' });
  });

  it('cas with expected applies only on an exact match', () => {
    const l = new Ledger();
    l.apply({ op: 'put', key: 'k', value: 'v1' }, 1);
    expect(l.apply({ op: 'cas', key: 'k', expected: 'v0', value: 'v2' }, 2).applied).toBe(false);
    expect(l.apply({ op: 'cas', key: 'k', expected: 'v1', value: 'v2' }, 3)).toEqual({
      applied: true,
      value: 'v2',
      previous: 'v1',
    });
  });

  it('delete removes the key', () => {
    const l = new Ledger();
    l.apply({ op: 'put', key: 'k', value: 'v' }, 1);
    expect(l.apply({ op: 'delete', key: 'k' }, 2)).toEqual({ applied: true, value: null, previous: 'v' });
    expect(l.get('k')).toBeNull();
  });

  it('round-trips commands through bytes, and treats an empty entry as a no-op', () => {
    const cmd = { op: 'cas' as const, key: 'k', value: 'v', expected: 'w', clientId: 'c', requestId: 7 };
    expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
    const l = new Ledger();
    expect(l.applyEntry(new Uint8Array(0), 4)).toBeNull();
    expect(l.appliedIndex).toBe(4);
  });
});

describe('Client sessions (thesis §6.3)', () => {
  it('a retried request is applied once and answered with the first result', () => {
    // "Each client session tracks the latest serial number processed for the client, along with the associated
    // response. If a server receives a command whose serial number has already been executed, it responds
    // immediately without re-executing the request." — thesis §6.3
    const l = new Ledger();
    const cmd = { op: 'cas' as const, key: 'k', value: 'a', clientId: 'c1', requestId: 1 };
    const first = l.apply(cmd, 1);
    l.apply({ op: 'put', key: 'k', value: 'other' }, 2);
    const retry = l.apply(cmd, 3);
    expect(first).toEqual({ applied: true, value: 'a', previous: null });
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(l.get('k')).toBe('other');
  });

  it('an older request than the last answered one is not applied', () => {
    const l = new Ledger();
    l.apply({ op: 'put', key: 'k', value: 'new', clientId: 'c1', requestId: 5 }, 1);
    const stale = l.apply({ op: 'put', key: 'k', value: 'old', clientId: 'c1', requestId: 4 }, 2);
    expect(stale).toEqual({ applied: false, value: 'new', duplicate: true });
    expect(l.get('k')).toBe('new');
  });

  it('a client with many requests in flight has each applied once, in whatever order they commit', () => {
    // Requests 1–3 sent together (first outstanding 1); 3 commits first, then 1, then a retry of 3, then 2.
    const l = new Ledger();
    const c = (requestId: number, key: string, firstOutstanding = 1) => ({
      op: 'cas' as const,
      key,
      value: `v${requestId}`,
      clientId: 'c',
      requestId,
      firstOutstanding,
    });
    expect(l.apply(c(3, 'k3'), 1)).toMatchObject({ applied: true, value: 'v3' });
    expect(l.apply(c(1, 'k1'), 2)).toMatchObject({ applied: true, value: 'v1' });
    expect(l.apply(c(3, 'k3'), 3)).toMatchObject({ applied: true, value: 'v3', duplicate: true });
    expect(l.apply(c(2, 'k2'), 4)).toMatchObject({ applied: true, value: 'v2' });
    // Once the client says it has every answer below 4, a late copy of 2 is not applied again.
    l.apply({ op: 'put', key: 'k2', value: 'moved on', clientId: 'c', requestId: 4, firstOutstanding: 4 }, 5);
    expect(l.apply(c(2, 'k2'), 6)).toEqual({ applied: false, value: 'moved on', duplicate: true });
    // Answers below the floor are forgotten; the rest survive a snapshot.
    expect(l.apply(c(5, 'k5', 4), 7)).toMatchObject({ applied: true });
    const restored = Ledger.restore(l.snapshot());
    expect(restored.apply(c(5, 'k5', 4), 8)).toMatchObject({ applied: true, duplicate: true });
    expect(restored.apply(c(3, 'k3', 4), 9)).toMatchObject({ applied: false, duplicate: true });
  });

  it('applies a retry again when sessions are deliberately ignored (the simulator bug switch)', () => {
    const l = new Ledger({ testingIgnoreSessions: true });
    const cmd = { op: 'cas' as const, key: 'k', value: 'a', clientId: 'c1', requestId: 1 };
    l.apply(cmd, 1);
    expect(l.apply(cmd, 2)).toEqual({ applied: false, value: 'a', previous: 'a' });
  });

  it('evicts the least recently used session beyond the limit', () => {
    const l = new Ledger({ maxSessions: 2 });
    l.apply({ op: 'put', key: 'k', value: '1', clientId: 'c1', requestId: 1 }, 1);
    l.apply({ op: 'put', key: 'k', value: '2', clientId: 'c2', requestId: 1 }, 2);
    l.apply({ op: 'put', key: 'k', value: '3', clientId: 'c3', requestId: 1 }, 3);
    expect(l.apply({ op: 'put', key: 'k', value: '3', clientId: 'c3', requestId: 1 }, 5).duplicate).toBe(
      true,
    );
  });

  it('refuses a request on an evicted session instead of applying it a second time (thesis §6.3)', () => {
    // "If a client's session has expired ... the request is rejected" rather than risk a second execution.
    const l = new Ledger({ maxSessions: 2 });
    l.apply({ op: 'cas', key: 'k', value: '1', clientId: 'c1', requestId: 1 }, 1);
    l.apply({ op: 'put', key: 'x', value: '2', clientId: 'c2', requestId: 1 }, 2);
    l.apply({ op: 'put', key: 'x', value: '3', clientId: 'c3', requestId: 1 }, 3);
    const retry = l.apply({ op: 'cas', key: 'k', value: '1', clientId: 'c1', requestId: 1 }, 4);
    expect(retry).toEqual({ applied: false, value: '1', sessionExpired: true });
    // The expiry survives a snapshot, so a restarted replica answers the same.
    const restored = Ledger.restore(l.snapshot(), { maxSessions: 2 });
    expect(restored.apply({ op: 'put', key: 'k', value: '9', clientId: 'c1', requestId: 2 }, 5)).toEqual({
      applied: false,
      value: '1',
      sessionExpired: true,
    });
    expect(restored.get('k')).toBe('1');
  });
});

describe('Ledger snapshots', () => {
  it('restores the store and the session table from bytes', () => {
    const l = new Ledger();
    l.apply({ op: 'put', key: 'b', value: '2' }, 1);
    l.apply({ op: 'put', key: 'a', value: '1', clientId: 'c1', requestId: 9 }, 2);
    const restored = Ledger.restore(l.snapshot());
    expect(restored.get('a')).toBe('1');
    expect(restored.get('b')).toBe('2');
    expect(restored.appliedIndex).toBe(2);
    expect(
      restored.apply({ op: 'put', key: 'a', value: '1', clientId: 'c1', requestId: 9 }, 3).duplicate,
    ).toBe(true);
    expect(restored.snapshot()).toEqual(Ledger.restore(restored.snapshot()).snapshot());
  });

  it('gives equal bytes for equal states regardless of insertion order', () => {
    const x = new Ledger();
    const y = new Ledger();
    x.apply({ op: 'put', key: 'a', value: '1' }, 1);
    x.apply({ op: 'put', key: 'b', value: '2' }, 2);
    y.apply({ op: 'put', key: 'b', value: '2' }, 1);
    y.apply({ op: 'put', key: 'a', value: '1' }, 2);
    expect(new TextDecoder().decode(x.snapshot())).toBe(new TextDecoder().decode(y.snapshot()));
  });
});
