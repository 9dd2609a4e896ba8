import { ListenerMemory } from './bidding';

describe('ListenerMemory', () => {
  it('skips an agent found without a listener until the recheck time passes', () => {
    const memory = new ListenerMemory(10_000);
    expect(memory.isKnownAbsent('bid', 'a', 1_000)).toBe(false);
    memory.markAbsent('bid', 'a', 1_000);
    expect(memory.isKnownAbsent('bid', 'a', 10_999)).toBe(true);
    // Bid and award listeners are remembered apart.
    expect(memory.isKnownAbsent('award', 'a', 2_000)).toBe(false);
    expect(memory.isKnownAbsent('bid', 'a', 11_000)).toBe(false);
    // Asked again once: absent again only if marked again.
    expect(memory.isKnownAbsent('bid', 'a', 11_001)).toBe(false);
  });

  it('forgets an agent at once when it registers or beats again', () => {
    const memory = new ListenerMemory(60_000);
    memory.markAbsent('bid', 'a', 0);
    memory.markAbsent('award', 'a', 0);
    memory.markAbsent('bid', 'b', 0);
    memory.forget('a');
    expect(memory.isKnownAbsent('bid', 'a', 1)).toBe(false);
    expect(memory.isKnownAbsent('award', 'a', 1)).toBe(false);
    expect(memory.isKnownAbsent('bid', 'b', 1)).toBe(true);
  });

  it('with a recheck time of 0 asks every time', () => {
    const memory = new ListenerMemory(0);
    memory.markAbsent('bid', 'a', 0);
    expect(memory.isKnownAbsent('bid', 'a', 0)).toBe(false);
  });
});
