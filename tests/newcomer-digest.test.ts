import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOutbox } from '../testkit/mailbox';
import { runEntry } from '../testkit/process';

describe('a newcomer runs the demo, then a digest', () => {
  it('npm run detect, then npm run digest -- --now <first of next month>: one digest per demo subscriber in the outbox', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tracker-demo-'));
    expect(await runEntry('src/cli/detect.ts', { DATA_DIR: dataDir }).exited).toBe(0);

    const now = new Date();
    const firstOfNextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 12)).toISOString();
    const dryRun = runEntry('src/cli/digest.ts', { DATA_DIR: dataDir }, ['--now', firstOfNextMonth, '--dry-run']);
    expect(await dryRun.exited).toBe(0);
    expect(dryRun.stdout()).toMatch(/dry run: 3 digests due; 3 would be sent and 0 skipped/);
    expect(await readOutbox(dataDir)).toEqual([]);

    const digest = runEntry('src/cli/digest.ts', { DATA_DIR: dataDir }, ['--now', firstOfNextMonth]);
    expect(await digest.exited).toBe(0);
    expect(digest.stdout()).toMatch(/3 due, sent 3 in 1 batch,/);
    expect(digest.stdout()).toMatch(/^batch 1: 3 emails sent$/m);
    const mails = await readOutbox(dataDir);
    expect(mails.map((m) => m.to).sort()).toEqual([
      'demo-central-asia@example.org',
      'demo-everything@example.org',
      'demo-rights-europe@example.org',
    ]);
    const kaz = mails.find((m) => m.to === 'demo-central-asia@example.org')!;
    expect(kaz.text).toContain('Satirist');
    expect(kaz.text).not.toContain('Sample report'); // the demo feed's other countries are not chosen
    expect(kaz.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');

    // Running it again for the same period sends nothing more.
    const again = runEntry('src/cli/digest.ts', { DATA_DIR: dataDir }, ['--now', firstOfNextMonth]);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toMatch(/0 due, sent 0/);
    expect(await readOutbox(dataDir)).toHaveLength(3);
  }, 120_000);
});
