import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from './process';

/**
 * Keeps wrangler offline and quiet: no telemetry, no error reports, no npm update check (it runs
 * with the banner), no download of the `Request.cf` object. Set before wrangler's API is used too.
 */
export const offlineWranglerEnv = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

const wranglerBin = `${projectRoot}node_modules/wrangler/bin/wrangler.js`;

/** `wrangler deploy --dry-run`: bundles the Worker as a deploy would, into `outdir`, with esbuild's metafile. */
export async function buildWorkerBundle(outdir: string): Promise<{ metafile: string; stdout: string }> {
  const metafile = `${outdir}/meta.json`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [wranglerBin, 'deploy', '--dry-run', '--outdir', outdir, '--metafile', metafile],
    { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...offlineWranglerEnv }, timeout: 120_000 },
  );
  return { metafile, stdout };
}
