import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, from test/support (under jest) or dist/test/support (compiled, e.g. benchmarks). */
export function findRepoRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
