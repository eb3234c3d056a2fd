/**
 * Compiles the MJML email templates once, at build time, into src/templates/compiled.ts
 * (mjml does not run in Cloudflare Workers; the per-recipient fill only needs the HTML).
 *
 *   npx tsx scripts/compile-templates.ts           write src/templates/compiled.ts
 *   npx tsx scripts/compile-templates.ts --check   exit 1 if it is stale (CI)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { compiledModulePath, renderCompiledModule } from '../src/templates/compile';

const check = process.argv.includes('--check');
const next = await renderCompiledModule();
const current = existsSync(compiledModulePath) ? readFileSync(compiledModulePath, 'utf8') : '';
const shown = relative(process.cwd(), compiledModulePath);

if (current === next) {
  console.log(`${shown} is up to date`);
} else if (check) {
  console.error(`${shown} is stale: run npx tsx scripts/compile-templates.ts`);
  process.exitCode = 1;
} else {
  writeFileSync(compiledModulePath, next);
  console.log(`wrote ${shown} (${(Buffer.byteLength(next) / 1024).toFixed(1)} KiB)`);
}
