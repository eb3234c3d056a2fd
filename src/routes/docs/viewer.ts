import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The docs viewer's script, served under a name that changes with its content. */
export interface DocsViewerAsset {
  /** `/docs/assets/scalar-api-reference-<version>-<hash>.js` */
  path: string;
  /**
   * The script, when the app serves it itself (Node). Absent on Workers: there the platform's
   * static assets serve it (wrangler.toml [assets], copied by scripts/docs-assets.ts) before
   * the Worker runs.
   */
  body?: Uint8Array;
}

/**
 * The installed, pinned @scalar/api-reference's browser build, read from node_modules (Node only:
 * a Worker has no file system). The package does not export the file, so it is found beside its entry.
 */
export function readDocsViewer(): Required<DocsViewerAsset> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@scalar/api-reference');
  const root = join(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const body = readFileSync(join(root, 'dist/browser/standalone.js'));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path: `/docs/assets/scalar-api-reference-${version}-${hash}.js`, body };
}
