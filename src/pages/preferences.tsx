/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';
import { type Language, messagesFor } from '../i18n';
import type { Preferences } from '../subscribers/preferences';
import { ExpectedVolumeNote } from './expected-volume';
import { FeedLinks } from './feed-links';
import { ErrorSummary, type FieldErrors } from './form-errors';
import { Layout } from './layout';
import { PreferenceFields } from './preference-fields';

export function PreferencesPage(props: {
  lang: Language;
  email: string;
  value: Preferences;
  token: string;
  unsubscribeUrl: string;
  exportUrl: string;
  saved?: boolean;
  errors?: FieldErrors;
  volume?: ExpectedVolume;
}) {
  const { lang } = props;
  const t = messagesFor(lang).preferences;
  return (
    <Layout title={t.title} lang={lang} scripts="signup">
      <h1>{t.title}</h1>
      <p class="lede">
        {t.ledeBefore} <strong>{props.email}</strong>
        {t.ledeAfter}
      </p>
      {props.saved ? (
        <div class="notice" role="status">
          {t.saved}
        </div>
      ) : null}
      <ErrorSummary errors={props.errors} lang={lang} />
      <form method="post" action={`/preferences?token=${encodeURIComponent(props.token)}`}>
        <PreferenceFields value={props.value} keepTimezone errors={props.errors} lang={lang} />
        <ExpectedVolumeNote volume={props.volume} what={t.volumeWhat} lang={lang} />
        <button type="submit">{t.submit}</button>
      </form>
      <FeedLinks
        countries={props.value.countries}
        regions={props.value.regions}
        categories={props.value.categories}
        what={t.feedsWhat}
        lang={lang}
      />
      <h2>{t.encryptedTitle}</h2>
      <p>
        <a href={`/preferences/openpgp?token=${encodeURIComponent(props.token)}`}>{t.encryptedLink}</a>
        {t.encryptedRest}
      </p>
      <h2>{t.dataTitle}</h2>
      <p>
        <a href={props.exportUrl} download="tracker-alerts-my-data.json">
          {t.dataLink}
        </a>{' '}
        {t.dataRest}
      </p>
      <h2>{t.signOutTitle}</h2>
      <p>{t.signOutText}</p>
      <form method="post" action={`/preferences/sign-out?token=${encodeURIComponent(props.token)}`}>
        <button type="submit">{t.signOutButton}</button>
      </form>
      <h2>{t.stopTitle}</h2>
      <p>
        <a href={props.unsubscribeUrl}>{t.stopLink}</a> {t.stopRest}
      </p>
    </Layout>
  );
}
