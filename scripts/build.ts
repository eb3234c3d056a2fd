/**
 * The production build: `npm run build` bundles the Node entries (the server and the operator
 * commands) into dist/ as ESM for Node, packages left to node_modules, with source maps.
 *
 *   node dist/server.js          serves (run it directly, not under npm: npm does not forward SIGTERM)
 *   node dist/cli/migrate.js     and the other commands of src/cli/
 *
 * Migrations and the compiled templates are modules, so they are bundled. Files a module reads
 * next to itself (`new URL('./file', import.meta.url)`: the demo source) are copied next to each
 * output that refers to them.
 */
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist');
const entryPoints = [
  join(root, 'src/server.ts'),
  ...readdirSync(join(root, 'src/cli'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(root, 'src/cli', file)),
];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outbase: join(root, 'src'),
  outdir,
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const siblingFile = /new URL\("\.\/([^"/]+)", import\.meta\.url\)/g;
let copied = 0;
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (!output.endsWith('.js')) continue;
  const code = readFileSync(join(root, output), 'utf8');
  for (const [, file] of code.matchAll(siblingFile)) {
    const source = Object.keys(meta.inputs)
      .map((input) => join(root, dirname(input), file!))
      .find((candidate) => readdirSync(dirname(candidate)).includes(basename(candidate)));
    if (!source) throw new Error(`${output} reads ./${file} next to itself, and no module it bundles has it beside it`);
    copyFileSync(source, join(root, dirname(output), file!));
    copied += 1;
  }
}
console.log(`built ${entryPoints.length} entries into ${relative(process.cwd(), outdir) || '.'}/ (${copied} files copied beside them)`);
