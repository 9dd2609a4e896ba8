// Compressed adjacency of a directed graph over task indices: edge u -> v means v waits for u.

export interface Dag {
  n: number;
  succStart: Int32Array;
  succ: Int32Array;
  predStart: Int32Array;
  pred: Int32Array;
}

/**
 * Builds both adjacency directions by counting sort; each list keeps the edges' input order, so edges given
 * sorted by (from, to) leave edge k at position k of `succ`. Callers dedupe.
 */
export function buildDag(n: number, from: ArrayLike<number>, to: ArrayLike<number>, m = from.length): Dag {
  const succStart = new Int32Array(n + 1);
  const predStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    succStart[from[e] + 1]++;
    predStart[to[e] + 1]++;
  }
  for (let i = 0; i < n; i++) {
    succStart[i + 1] += succStart[i];
    predStart[i + 1] += predStart[i];
  }
  const succ = new Int32Array(m);
  const pred = new Int32Array(m);
  const nextSucc = succStart.slice(0, n);
  const nextPred = predStart.slice(0, n);
  for (let e = 0; e < m; e++) {
    const u = from[e];
    const v = to[e];
    succ[nextSucc[u]++] = v;
    pred[nextPred[v]++] = u;
  }
  return { n, succStart, succ, predStart, pred };
}
