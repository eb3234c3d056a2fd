import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { jobCatalogue, jobsOnCron } from '../src/jobs/catalogue';
import { readDocsViewer } from '../src/routes/docs/viewer';
import { DOCS_VIEWER_PATH } from '../src/routes/docs/viewer-path';
import { projectRoot } from '../testkit/process';
import { buildWorkerBundle } from '../testkit/wrangler';

interface Metafile {
  inputs: Record<string, { imports: { path: string }[] }>;
}

let outdir: string;
let meta: Metafile;
let inputs: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'tracker-worker-bundle-'));
  const build = await buildWorkerBundle(outdir);
  expect(build.stdout).toContain('env.HYPERDRIVE');
  meta = JSON.parse(readFileSync(build.metafile, 'utf8')) as Metafile;
  inputs = Object.keys(meta.inputs);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const packageOf = (input: string) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('builds src/worker.ts with the app, pg and the Resend SDK', () => {
    const packages = new Set(inputs.map(packageOf));
    for (const expected of ['hono', 'pg', 'resend', 'kysely', 'pino']) expect(packages, expected).toContain(expected);
    expect(inputs).toContain('src/worker.ts');
    expect(inputs).toContain('src/app.ts');
    // pino's browser build: its Node build writes through worker threads and files.
    expect(inputs.filter((input) => packageOf(input) === 'pino')).toEqual([expect.stringMatching(/pino\/browser\.js$/)]);
  });

  it('leaves out PGlite, the outbox, node-cron, proper-lockfile and undici', () => {
    const packages = new Set(inputs.map(packageOf));
    for (const absent of [
      '@electric-sql/pglite',
      'nodemailer',
      'node-cron',
      'proper-lockfile',
      'undici',
      'sonic-boom',
      'thread-stream',
      'mjml',
    ]) {
      expect(packages, absent).not.toContain(absent);
    }
    for (const nodeOnly of [
      'src/db/connect.ts',
      'src/email/outbox.ts',
      'src/email/create-mailer.ts',
      'src/alerts/detector/file-source.ts',
      'src/alerts/webhooks/http/node-client.ts',
      'src/alerts/webhooks/http/node-pinned-agent.ts',
      'src/alerts/webhooks/http/node-post.ts',
      'src/app-secret.ts',
      'src/server.ts',
      'src/node-resources.ts',
    ]) {
      expect(inputs, nodeOnly).not.toContain(nodeOnly);
    }
    expect(inputs).toContain('src/worker/node-cron.ts');
  });

  it('publishes the /docs viewer as a static asset under the path the Worker names (the [build] command copies it)', () => {
    const viewer = readDocsViewer();
    expect(DOCS_VIEWER_PATH).toBe(viewer.path);
    expect(readFileSync(join(projectRoot, '.wrangler/assets', viewer.path)).equals(viewer.body)).toBe(true);
    expect(readdirSync(join(projectRoot, '.wrangler/assets/docs/assets'))).toEqual([viewer.path.split('/').at(-1)]);
    expect(inputs).toContain('src/routes/docs/viewer-path.ts');
    expect(inputs).not.toContain('src/routes/docs/viewer.ts');
  });

  it('has no module of ours that touches the file system', () => {
    const fileSystemImports = inputs
      .filter((input) => input.startsWith('src/') || input.startsWith('migrations/'))
      .flatMap((input) =>
        meta.inputs[input]!.imports.filter((i) => /(^|:)(node:)?fs(\/promises)?$/.test(i.path)).map((i) => `${input} -> ${i.path}`),
      );
    expect(fileSystemImports).toEqual([]);
  });
});

describe('Cron Triggers', () => {
  const triggers = unstable_readConfig({ config: join(projectRoot, 'wrangler.toml') }).triggers.crons ?? [];

  it('declares every cron the Worker maps to a job', () => {
    for (const job of jobCatalogue) expect(triggers, job.name).toContain(job.workersCron);
    expect(jobCatalogue.map((job) => job.name).sort()).toEqual([
      'cleanup',
      'detect',
      'digest',
      'instantAlerts',
      'signupNotices',
      'webhooks',
    ]);
    expect(jobsOnCron('*/15 * * * *').map((job) => job.name)).toEqual(['detect', 'digest']);
    expect(jobsOnCron('* * * * *').map((job) => job.name)).toEqual(['webhooks', 'signupNotices', 'instantAlerts']);
    expect(jobsOnCron('17 3 * * *').map((job) => job.name)).toEqual(['cleanup']);
  });

  it('maps every declared trigger to a job', () => {
    const unmapped = triggers.filter((cron: string) => !jobCatalogue.some((job) => job.workersCron === cron));
    expect(unmapped).toEqual([]);
  });
});
