import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';
import { jobCatalogue, nodeSchedule } from '../src/jobs/catalogue';

const projectRoot = join(import.meta.dirname, '..');

/** The README's configuration table: variable -> default, for the rows naming one CRON_* variable. */
function readmeCronDefaults(): Record<string, string> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const rows: Record<string, string> = {};
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const variable = /^`(CRON_[A-Z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (variable) rows[variable] = (cells[3] ?? '').replace(/^`|`$/g, '');
  }
  return rows;
}

describe('the job catalogue', () => {
  const variables = jobCatalogue.flatMap((job) => ('variable' in job.node ? [job.node] : []));

  it('lists each job once', () => {
    const names = jobCatalogue.map((job) => job.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(['cleanup', 'detect', 'digest', 'instantAlerts', 'signupNotices', 'webhooks']);
    expect(jobCatalogue.filter((job) => job.singleton).map((job) => job.name)).toEqual(['detect', 'cleanup']);
  });

  it('states the defaults config.ts applies when no CRON_* variable is set', () => {
    const config = parseConfig({ NODE_ENV: 'test' });
    for (const job of jobCatalogue) {
      if ('variable' in job.node) expect(nodeSchedule(job, config), job.name).toBe(job.node.default);
    }
  });

  it('reads each job its own variable', () => {
    const env = Object.fromEntries(variables.map((v, i) => [v.variable, `${i + 1} * * * *`]));
    const config = parseConfig({ NODE_ENV: 'test', ...env });
    for (const job of jobCatalogue) {
      if ('variable' in job.node) expect(nodeSchedule(job, config), job.name).toBe(env[job.node.variable]);
    }
  });

  it("agrees with the README's configuration table", () => {
    expect(readmeCronDefaults()).toEqual(Object.fromEntries(variables.map((v) => [v.variable, v.default])));
  });

  it('keeps the Workers difference explicit: webhooks every 10 s on Node, every minute on Cron Triggers', () => {
    const webhooks = jobCatalogue.find((job) => job.name === 'webhooks')!;
    expect(webhooks.node).toMatchObject({ default: '*/10 * * * * *' });
    expect(webhooks.workersCron).toBe('* * * * *');
    // Cron Triggers have five fields (minute resolution).
    for (const job of jobCatalogue) expect(job.workersCron.split(' '), job.name).toHaveLength(5);
  });
});
