import { LocalSession } from './local-session';

describe('LocalSession: requests without a session of their own (thesis §6.3)', () => {
  it('gives each request the next id and the lowest unanswered id as firstOutstanding', () => {
    const s = new LocalSession();
    const a = s.stamp({ op: 'put', key: 'k', value: '1' });
    const b = s.stamp({ op: 'put', key: 'k', value: '2' });
    expect(a.command).toMatchObject({ clientId: s.clientId, requestId: 1, firstOutstanding: 1 });
    expect(b.command).toMatchObject({ clientId: s.clientId, requestId: 2, firstOutstanding: 1 });
    a.done();
    const c = s.stamp({ op: 'delete', key: 'k' });
    // Request 2 is still unanswered, so the floor stays at 2 and request 2 may still apply once.
    expect(c.command).toMatchObject({ requestId: 3, firstOutstanding: 2 });
  });

  it("leaves a client's own session untouched", () => {
    const s = new LocalSession();
    const own = { op: 'put' as const, key: 'k', value: 'v', clientId: 'agent-7', requestId: 41 };
    expect(s.stamp(own).command).toBe(own);
  });
});
