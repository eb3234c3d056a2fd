import { type ExpectedVolume, estimateVolume, volumeSince } from '../alerts/expected-volume';
import { listChangesForVolume } from '../db/changes';
import type { Resources } from '../resources';
import type { Preferences } from './preferences';

/** The expected-volume estimate of a selection, from the change log as stored now. */
export async function expectedVolume(deps: Pick<Resources, 'db' | 'clock' | 'config'>, choices: Preferences): Promise<ExpectedVolume> {
  const now = deps.clock.now();
  const changes = await listChangesForVolume(deps.db, volumeSince(now));
  return estimateVolume(choices, changes, { now, minIntervalMs: deps.config.instantAlerts.minIntervalMs });
}
