/**
 * Open-addressing hash table from task id to its position in a string array. Sized once (no rehashing), so
 * building and probing it is cheaper than a Map for the tens of thousands of dependency look-ups per request.
 */
export class IdIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** An empty table sized for `keys`; call fill() to insert them. */
  constructor(private readonly keys: readonly string[]) {
    let size = 16;
    while (size < 2 * keys.length) size <<= 1;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(-1);
  }

  /** Inserts every key; returns the position of the first key seen twice, or -1. */
  fill(): number {
    const { slots, mask, keys } = this;
    for (let i = 0; i < keys.length; i++) {
      let s = hash(keys[i]) & mask;
      while (slots[s] !== -1) {
        if (keys[slots[s]] === keys[i]) return i;
        s = (s + 1) & mask;
      }
      slots[s] = i;
    }
    return -1;
  }

  /** Position of `key`, or -1. */
  get(key: string): number {
    const { slots, mask, keys } = this;
    let s = hash(key) & mask;
    while (slots[s] !== -1) {
      if (keys[slots[s]] === key) return slots[s];
      s = (s + 1) & mask;
    }
    return -1;
  }
}

/** FNV-1a over UTF-16 code units. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
