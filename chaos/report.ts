import { median } from '../testkit/stats';
import type { ChaosReport } from './run';

const list = (record: Record<string, unknown>) =>
  Object.entries(record)
    .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ') || 'none';

/** The figures of a run, for people. */
export function formatReport(report: ChaosReport): string {
  const { changes, webhooks, digests } = report.outcome;
  const lines = [
    `chaos run: ${report.durationMs / 1000} s of kills, seed ${report.seed}, schema ${report.schema}, instance logs in ${report.logDir}`,
    `  instances   ${report.kills} SIGKILLs, ${report.restarts} restarts; per instance: ${report.instances.map((i) => `#${i.index} port ${i.port} ${i.kills} kills ${i.starts} starts ${i.unexpectedExits.length} crashes ${i.errorLines} error log lines`).join('; ')}`,
    `              boot times: ${bootSummary(report)}; exit codes of the final SIGTERM: ${report.shutdownExitCodes.join(', ')}`,
    `  drain       an instance serving ${(report.restartWaitMs / 1000).toFixed(1)} s after the kills stopped, then ${report.drained ? 'drained' : 'NOT drained'} in ${(report.drainMs / 1000).toFixed(1)} s`,
    `  feed        ${report.feed.events} events published, ${report.feed.edits} edits`,
    `  changes     ${changes.total} rows (${list(changes.byType)}); detected twice: ${changes.duplicates}; detection runs: ${list(changes.detectionRuns)}`,
    `  webhooks    ${webhooks.expected} (change, endpoint) pairs expected, ${webhooks.lost} lost, ${webhooks.idConflicts} with more than one webhook-id`,
    `              ${webhooks.receipts} requests received (${webhooks.failedAnswers} answered with a failure), ${webhooks.attempts} attempts recorded, ${webhooks.duplicatesFromRetries} duplicates from retries (at-least-once)`,
    `              deliveries: ${list(webhooks.deliveries)}`,
    `  digests     ${digests.subscribers} confirmed subscribers: ${digests.lost} got none, ${digests.duplicated} got more than one`,
    `              digest rows: ${list(digests.rows)}; batches: ${list(digests.batches)}`,
    `  emails      ${digests.emails.requests} requests to Resend (${digests.emails.faultsInjected} failed on purpose, ${digests.emails.replayedByKey} answered from an idempotency key, ${digests.emails.conflicts409} 409), ${digests.emails.delivered} delivered: ${digests.emails.digestEmails} digests, ${digests.emails.otherEmails} other (sign-up emails)`,
    `  http        ${report.traffic.requests} requests: ${list(report.traffic.byStatus)}`,
  ];
  for (const instance of report.instances)
    for (const sample of instance.errorSamples) lines.push(`  error log #${instance.index}: ${sample}`);
  lines.push(
    report.problems.length === 0
      ? 'OK: no lost or duplicated digest, no lost delivery, no change detected twice, no 500'
      : `FAILED:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  return lines.join('\n');
}

function bootSummary(report: ChaosReport): string {
  const boots = report.instances.flatMap((i) => i.bootMs).sort((a, b) => a - b);
  if (boots.length === 0) return 'none';
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `median ${s(median(boots))}, max ${s(boots.at(-1)!)} over ${boots.length} starts`;
}
