import type { DetectionRunStatus, SourceOutcome } from '../../db/database';
import { abandonStaleRuns, type DetectionRunView, finishDetectionRun, startDetectionRun } from '../../db/detection-runs';
import { type ProcessLocks, runSingleton } from '../../jobs/singleton';
import type { Resources } from '../../resources';
import { demoSourceUrls } from '../sources/demo/index';
import type { WebhookPump } from '../webhooks/pump';
import { detectSource } from './detect-source';
import { crawlTrackerSite, type TrackerGroupProgress } from './tracker-site';

export type DetectionOutcome = { ran: true; run: DetectionRunView } | { ran: false; reason: 'already-running' };

/** SOURCE_URLS, or the bundled demo source when neither they nor the tracker site are configured. */
export function configuredSources(config: Resources['config']): string[] {
  return config.sourceUrls.length > 0 || config.tracker ? config.sourceUrls : demoSourceUrls();
}

/**
 * One detection run over every configured source, one transaction per source. A singleton
 * across instances; a run killed half-way leaves committed sources committed, and the next
 * run marks it abandoned and simply does the rest (re-detecting what is stored changes nothing).
 */
/** The resources a detection run reads, its process locks, and the pump it kicks when sources changed. */
export type DetectionDeps = Resources & { processLocks: ProcessLocks; webhookPump: WebhookPump };

export async function runDetection(
  deps: DetectionDeps,
  trigger: 'cron' | 'api' | 'cli' | 'startup',
  progress: { onSource?: (outcome: SourceOutcome) => void; onTrackerGroup?: (group: TrackerGroupProgress) => void } = {},
): Promise<DetectionOutcome> {
  const timer = deps.metrics.jobDuration.startTimer({ job: 'detect' });
  const result = await runSingleton(deps, 'tracker-alerts:detect', async (db) => {
    const startedAt = deps.clock.now();
    const abandoned = await abandonStaleRuns(db, startedAt);
    if (abandoned > 0) deps.log.warn({ abandoned }, 'detection runs left unfinished by a stopped process marked abandoned');
    const id = await startDetectionRun(db, trigger, startedAt);
    const sources: SourceOutcome[] = [];
    for (const url of configuredSources(deps.config)) {
      const outcome = await detectSource(deps, db, url);
      deps.metrics.sourceFetches.inc({ status: outcome.status });
      sources.push(outcome);
      progress.onSource?.(outcome);
    }
    sources.push(...(await crawlTrackerSite(deps, db, id, progress.onTrackerGroup)));
    const status = runStatus(sources);
    const finishedAt = deps.clock.now();
    await finishDetectionRun(db, id, { status, sources, finishedAt });
    return { id, trigger, status, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), sources };
  });
  if (!result.ran) {
    timer({ outcome: 'skipped' });
    return { ran: false, reason: 'already-running' };
  }
  if (result.value.sources.some((s) => (s.changes ?? 0) > 0)) deps.webhookPump.kick();
  timer({ outcome: jobOutcome[result.value.status] });
  if (result.value.status !== 'failed') deps.metrics.jobLastSuccess.set({ job: 'detect' }, deps.clock.now().getTime() / 1000);
  deps.log.info(
    { run: result.value.id, status: result.value.status, sources: result.value.sources.map(summary) },
    'detection run finished',
  );
  return { ran: true, run: result.value };
}

/** A run's status as the job metrics spell outcomes for every job. */
const jobOutcome: Record<DetectionRunStatus, string> = {
  succeeded: 'ok',
  partial: 'partial',
  failed: 'error',
  running: 'ok',
  abandoned: 'error',
};

function runStatus(sources: SourceOutcome[]): DetectionRunStatus {
  const failed = sources.filter((s) => s.status === 'failed').length;
  if (failed === 0) return 'succeeded';
  return failed === sources.length ? 'failed' : 'partial';
}

/** One line per tracker page group, for people: the CLI prints it as each group finishes. */
export function groupSummary(g: TrackerGroupProgress): string {
  const resumed = g.resumed > 0 ? `, ${g.resumed} done by the interrupted run` : '';
  return `tracker ${g.group}: ${g.pages} page${g.pages === 1 ? '' : 's'}: ${g.changed} changed (${g.changes} changes), ${g.notModified} not modified, ${g.failed} failed${resumed}`;
}

/** One line per source, for people: the CLI prints it and the log carries it. */
export function summary(s: SourceOutcome): string {
  if (s.status === 'failed') return `${s.url}: FAILED ${s.error}`;
  if (s.status === 'not_modified') return `${s.url}: not modified`;
  const why = s.firstSkipped ? `; first skipped: ${s.firstSkipped}` : '';
  if (s.events === 0 && (s.skipped ?? 0) > 0) return `${s.url}: NO VALID EVENTS: all ${s.skipped} skipped as invalid${why}`;
  return `${s.url}: ${s.events} events (${s.published} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.skipped} skipped), ${s.changes} changes${why}`;
}
