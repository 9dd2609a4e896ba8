import { Prng } from './prng';

describe('Prng (xoshiro128**)', () => {
  it('repeats the same stream for the same seed and differs across seeds', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('draws floats in [0, 1) and integers in range, roughly uniformly', () => {
    const r = new Prng(1);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      buckets[r.int(10)]++;
    }
    for (const n of buckets) expect(Math.abs(n - 1000)).toBeLessThan(150);
    expect(r.range(3, 3)).toBe(3);
  });

  it('shuffles to a permutation', () => {
    expect(new Prng(3).shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
