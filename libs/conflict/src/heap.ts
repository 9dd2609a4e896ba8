/**
 * Binary min-heap of task indices ordered by (primary, secondary, index) ascending. Numeric keys instead of a
 * comparator keep the hot comparisons monomorphic.
 */
export class IndexHeap {
  private readonly items: Int32Array;
  private size = 0;

  constructor(
    capacity: number,
    private readonly primary: Float64Array,
    private readonly secondary: Float64Array,
  ) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.size;
  }

  private before(a: number, b: number): boolean {
    const pa = this.primary[a];
    const pb = this.primary[b];
    if (pa !== pb) return pa < pb;
    const sa = this.secondary[a];
    const sb = this.secondary[b];
    return sa !== sb ? sa < sb : a < b;
  }

  push(x: number): void {
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(x, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = x;
  }

  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items[--this.size];
    const size = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.before(items[child + 1], items[child])) child++;
      if (!this.before(items[child], last)) break;
      items[i] = items[child];
      i = child;
    }
    if (size > 0) items[i] = last;
    return top;
  }
}
