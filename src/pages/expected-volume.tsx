/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';
import { formatNumber, type Language, messagesFor } from '../i18n';

/** "What to expect": roughly what the choices shown would have brought over the last months. */
export function ExpectedVolumeNote({ volume, what, lang }: { volume: ExpectedVolume | undefined; what: string; lang: Language }) {
  if (!volume) return null;
  const t = messagesFor(lang).volume;
  const n = (value: number) => formatNumber(value, lang);
  return (
    <section class="notice" aria-labelledby="expected-volume">
      <h2 id="expected-volume">{t.title}</h2>
      <p>
        {t.sentence({
          months: n(volume.months),
          what,
          reports: t.reports(volume.reports, n(volume.reports)),
          context: volume.countryChanges > 0 ? t.context(volume.countryChanges, n(volume.countryChanges)) : '',
          digests: t.digests(volume.digests, n(volume.digests)),
          instant: volume.instantAlerts > 0 ? t.instant(volume.instantAlerts, n(volume.instantAlerts)) : '',
          emails: t.emails(volume.emails, n(volume.emails)),
        })}
      </p>
    </section>
  );
}
