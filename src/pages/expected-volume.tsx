/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';

const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "What to expect": roughly what the choices shown would have brought over the last months. */
export function ExpectedVolumeNote({ volume, what }: { volume: ExpectedVolume | undefined; what: string }) {
  if (!volume) return null;
  const instant =
    volume.instantAlerts > 0 ? ` and ${count(volume.instantAlerts, 'instant watch-flag alert', 'instant watch-flag alerts')}` : '';
  return (
    <section class="notice" aria-labelledby="expected-volume">
      <h2 id="expected-volume">What to expect</h2>
      <p>
        Over the last {volume.months} months, {what} would have brought {count(volume.reports, 'report', 'reports')} in{' '}
        {count(volume.digests, 'digest', 'digests')}
        {instant}: about {count(volume.emails, 'email', 'emails')} in all.
      </p>
    </section>
  );
}
