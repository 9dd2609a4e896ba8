// Tarjan's strongly connected components (iterative) and a shortest elementary cycle inside one component.
export interface Components {
  /** Component id per node; ids come out in reverse topological order of the condensation. */
  comp: Int32Array;
  count: number;
}

/** Tarjan (1972). `alive`, when given, masks edges by their position in `succ`. */
export function tarjan(n: number, succStart: Int32Array, succ: Int32Array, alive?: Uint8Array): Components {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  let sp = 0;
  let next = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let csp = 0;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    callNode[csp] = root;
    callEdge[csp++] = succStart[root];
    while (csp > 0) {
      const v = callNode[csp - 1];
      const e = callEdge[csp - 1];
      if (e < succStart[v + 1]) {
        callEdge[csp - 1] = e + 1;
        if (alive && !alive[e]) continue;
        const w = succ[e];
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp++] = succStart[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          comp[w] = count;
        } while (w !== v);
        count++;
      }
      if (csp > 0) {
        const u = callNode[csp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  return { comp, count };
}

/** Members of every component with more than one node or a self-loop, each sorted, listed by smallest member. */
export function nonTrivialComponents(
  n: number,
  succStart: Int32Array,
  succ: Int32Array,
  { comp, count }: Components,
  alive?: Uint8Array,
): number[][] {
  const size = new Int32Array(count);
  for (let v = 0; v < n; v++) size[comp[v]]++;
  const groups = new Map<number, number[]>();
  for (let v = 0; v < n; v++) {
    const c = comp[v];
    if (size[c] > 1 || hasSelfLoop(v, succStart, succ, alive)) {
      let group = groups.get(c);
      if (!group) groups.set(c, (group = []));
      group.push(v);
    }
  }
  return [...groups.values()].sort((a, b) => a[0] - b[0]);
}

function hasSelfLoop(v: number, succStart: Int32Array, succ: Int32Array, alive?: Uint8Array): boolean {
  for (let e = succStart[v]; e < succStart[v + 1]; e++)
    if (succ[e] === v && (!alive || alive[e])) return true;
  return false;
}

/**
 * Shortest cycle through `start` using only edges inside its component, as edge positions in order.
 * Breadth-first, successors in adjacency order, so the answer is deterministic.
 */
export function shortestCycleThrough(
  start: number,
  succStart: Int32Array,
  succ: Int32Array,
  inComponent: (v: number) => boolean,
  alive?: Uint8Array,
): number[] {
  const viaEdge = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (let e = succStart[v]; e < succStart[v + 1]; e++) {
      if (alive && !alive[e]) continue;
      const w = succ[e];
      if (w === start) {
        const edges = [e];
        for (let x = v; x !== start;) {
          const back = viaEdge.get(x)!;
          edges.push(back);
          x = sourceOf(back, succStart);
        }
        return edges.reverse();
      }
      if (viaEdge.has(w) || !inComponent(w)) continue;
      viaEdge.set(w, e);
      queue.push(w);
    }
  }
  return [];
}

/** The source node of an edge position, by binary search over `succStart`. */
export function sourceOf(e: number, succStart: Int32Array): number {
  let lo = 0;
  let hi = succStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (succStart[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
