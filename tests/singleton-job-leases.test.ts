import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetection } from '../src/alerts/detector/run-detection';
import { createProcessLocks, runSingleton, type SingletonDeps } from '../src/jobs/singleton';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
let other: SingletonDeps;

/** Another instance on the same database: its own process guard and instance id. */
function anotherInstance(name: string, db = t.deps.db): SingletonDeps {
  return { ...t.deps, db, processLocks: createProcessLocks(), instanceId: name };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const leases = () => t.deps.db.selectFrom('job_leases').selectAll().execute();

beforeAll(async () => {
  t = await createTestApp({ JOB_LEASE: '3s', SOURCE_URLS: 'file:///nonexistent/feed.json' });
  other = anotherInstance('instance-b');
});
afterAll(async () => {
  await t.close();
});

describe('singleton jobs hold a lease row, so they also work behind a transaction-mode pool', () => {
  it('while another instance holds the detection lease, a run does nothing and POST /v1/admin/detect answers 409', async () => {
    const busy = gate();
    const holder = runSingleton(other, 'tracker-alerts:detect', () => busy.opened);
    await expect.poll(leases).toHaveLength(1);
    expect(await runDetection(t.deps, 'cron')).toEqual({ ran: false, reason: 'already-running' });
    const res = await t.call('POST', '/v1/admin/detect', undefined, { admin: true });
    expect(res.status).toBe(409);
    busy.open();
    expect(await holder).toEqual({ ran: true, value: undefined });
    expect(await leases()).toEqual([]);
    expect(await runDetection(t.deps, 'cron')).toMatchObject({ ran: true });
  });

  it("a lease left by a killed process is taken once it has run out, and that process's run is marked abandoned", async () => {
    const now = t.clock.now();
    await t.deps.db
      .insertInto('job_leases')
      .values({ name: 'tracker-alerts:detect', owner: 'killed-instance', locked_until: new Date(now.getTime() + 1_000) })
      .execute();
    await t.deps.db.insertInto('detection_runs').values({ trigger: 'cron', status: 'running', started_at: now, sources: '[]' }).execute();
    expect(await runDetection(t.deps, 'cron')).toMatchObject({ ran: false });

    t.clock.advance(1_000);
    expect(await runDetection(t.deps, 'cron')).toMatchObject({ ran: true });
    const statuses = await t.deps.db.selectFrom('detection_runs').select('status').where('status', '=', 'abandoned').execute();
    expect(statuses).toHaveLength(1);
    expect(await leases()).toEqual([]);
  });

  it('the lease is renewed while the job runs, so a job longer than JOB_LEASE keeps it', async () => {
    const busy = gate();
    const holder = runSingleton(t.deps, 'long-job', () => busy.opened);
    await expect.poll(leases).toHaveLength(1);
    const [taken] = await leases();
    // Past the first lease's end: only the renewals (every 1 s with JOB_LEASE=3s) keep it.
    for (let second = 0; second < 4; second++) {
      t.clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
    const [renewed] = await leases();
    expect(renewed!.owner).toBe(taken!.owner);
    expect(renewed!.locked_until.getTime()).toBeGreaterThan(taken!.locked_until.getTime());
    expect(await runSingleton(other, 'long-job', async () => 'stolen')).toEqual({ ran: false });
    busy.open();
    await holder;
    expect(await runSingleton(other, 'long-job', async () => 'next')).toEqual({ ran: true, value: 'next' });
  });

  it('instances racing for one job: exactly one runs it', async () => {
    const pools = process.env.TEST_DATABASE_URL ? Array.from({ length: 4 }, () => t.database.openAnother(2)) : [];
    try {
      const busy = gate();
      const instances = Array.from({ length: 8 }, (_, i) => anotherInstance(`racer-${i}`, pools[i % 4]?.db ?? t.deps.db));
      let settled = 0;
      const runs = instances.map((deps) => runSingleton(deps, 'raced-job', () => busy.opened).finally(() => settled++));
      // Every loser has given up while the winner still holds the job.
      await expect.poll(() => settled).toBe(7);
      busy.open();
      const outcomes = await Promise.all(runs);
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });
});
