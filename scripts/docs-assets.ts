/**
 * The /docs viewer for Workers: copies the installed @scalar/api-reference browser build into
 * the Worker's static assets (wrangler.toml [assets], `.wrangler/assets`) under its hashed path,
 * and checks that src/routes/docs/viewer-path.ts names that path (the Worker has no file system
 * to hash it with). Run by wrangler's [build] command before every bundle (deploy, dev, tests);
 * `--write` updates viewer-path.ts after the package changed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocsViewer } from '../src/routes/docs/viewer';
import { DOCS_VIEWER_PATH } from '../src/routes/docs/viewer-path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assetsDir = join(root, '.wrangler/assets');
const viewer = readDocsViewer();

if (viewer.path !== DOCS_VIEWER_PATH) {
  const file = join(root, 'src/routes/docs/viewer-path.ts');
  if (!process.argv.includes('--write')) {
    console.error(
      `${file} names ${DOCS_VIEWER_PATH}, but the installed viewer is ${viewer.path}: run npx tsx scripts/docs-assets.ts --write`,
    );
    process.exit(1);
  }
  writeFileSync(
    file,
    `// Written by scripts/docs-assets.ts --write: the hashed path of the installed @scalar/api-reference browser build.\nexport const DOCS_VIEWER_PATH = '${viewer.path}';\n`,
  );
}
const target = join(assetsDir, viewer.path);
rmSync(dirname(target), { recursive: true, force: true }); // no earlier version's file stays published
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, viewer.body);
console.log(`docs viewer: ${viewer.path} (${viewer.body.length} bytes) in ${assetsDir}`);
