import { describe, expect, it } from 'vitest';
import { formatReport } from '../chaos/report';
import { assertLoopbackDatabase, runChaos, withSearchPath } from '../chaos/run';
import { postgresUrl } from '../testkit/db';

describe('chaos harness guards', () => {
  it('refuses a database that is not on this machine', () => {
    expect(() => assertLoopbackDatabase('postgres://u:p@db.example.org:5432/x')).toThrow(/only a PostgreSQL on loopback/);
    expect(() => assertLoopbackDatabase('postgres://u:p@10.0.0.5/x')).toThrow(/loopback/);
    expect(() => assertLoopbackDatabase('postgres://u:p@127.0.0.1/x?host=db.example.org')).toThrow(/loopback/);
    expect(() => assertLoopbackDatabase('mysql://127.0.0.1/x')).toThrow(/postgres/);
    expect(() => assertLoopbackDatabase('postgres://u:p@127.0.0.1:5432/x')).not.toThrow();
    expect(() => assertLoopbackDatabase('postgresql://u:p@localhost/x')).not.toThrow();
  });

  it('hands every instance one schema through the connection string', () => {
    const url = withSearchPath('postgres://u:p@127.0.0.1:5432/x?application_name=a', 'chaos_1');
    expect(new URL(url).searchParams.get('options')).toBe('-c search_path=chaos_1');
    expect(new URL(url).searchParams.get('application_name')).toBe('a');
  });
});

// Three real server processes, SIGKILLed at random, on one PostgreSQL schema: PostgreSQL only.
describe.runIf(postgresUrl)('several instances under faults', () => {
  it('loses no digest, delivery or change, duplicates no digest and answers no 500 while instances are killed', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      databaseUrl: postgresUrl!,
      durationMs: 20_000,
      subscribers: { initial: 100, wave: 20, waveEveryMs: 2_000 },
      drainTimeoutMs: 45_000,
      log: (line) => lines.push(line),
    });
    const text = formatReport(report);
    console.log(`${lines.join('\n')}\n${text}`);
    expect(report.problems, text).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(3);
    expect(report.restarts).toBeGreaterThanOrEqual(report.kills);
    expect(report.outcome.changes.total).toBeGreaterThan(0);
    expect(report.outcome.webhooks.expected).toBeGreaterThan(0);
    expect(report.outcome.digests.subscribers).toBeGreaterThanOrEqual(100);
    expect(report.outcome.digests.emails.digestEmails).toBe(report.outcome.digests.subscribers);
  }, 240_000);
});
