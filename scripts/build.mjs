// Compiles every TypeScript source to dist/ with swc, rewriting the @ossa/<lib> aliases to relative paths.
import { transformFile } from '@swc/core';
import { readFile, writeFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist');
const roots = ['libs', 'services', 'bench', 'test/support', 'scripts'];
const swcrc = JSON.parse(await readFile(path.join(root, '.swcrc'), 'utf8'));
const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8'));
delete swcrc.$schema;
swcrc.jsc.baseUrl = root;
swcrc.jsc.paths = tsconfig.compilerOptions.paths;

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !/\.(spec|e2e-spec)\.ts$/.test(entry.name))
      yield full;
  }
}

const started = Date.now();
await rm(outDir, { recursive: true, force: true });
const jobs = [];
for (const r of roots) {
  for await (const file of walk(path.join(root, r))) {
    jobs.push(
      (async () => {
        const out = await transformFile(file, { ...swcrc, swcrc: false, filename: file, sourceFileName: path.relative(path.join(outDir, path.relative(root, path.dirname(file))), file) });
        const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, out.code + `\n//# sourceMappingURL=${path.basename(target)}.map\n`);
        if (out.map) await writeFile(target + '.map', out.map);
      })(),
    );
  }
}
await Promise.all(jobs);
if (!process.env.OSSA_BUILD_QUIET) console.error(`[build] ${jobs.length} files compiled to dist/ in ${Date.now() - started} ms`);
