/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';
import { type Language, messagesFor } from '../i18n';
import type { Preferences } from '../subscribers/preferences';
import { ExpectedVolumeNote } from './expected-volume';
import { FeedLinks } from './feed-links';
import { describedBy, ErrorSummary, FieldError, type FieldErrors } from './form-errors';
import { Layout } from './layout';
import { PreferenceFields } from './preference-fields';

export const defaultPreferences: Preferences = {
  countries: [],
  regions: [],
  categories: [],
  frequency: 'monthly',
  timezone: 'UTC',
  skipEmpty: false,
  instantAlerts: false,
  neutralSubjects: false,
  countryContext: false,
};

/** `value` set means the reader posted the form: their input is shown again, time zone included. */
export function SignupPage(props: { lang: Language; errors?: FieldErrors; email?: string; value?: Preferences; volume?: ExpectedVolume }) {
  const { lang } = props;
  const t = messagesFor(lang).signup;
  return (
    <Layout title={t.title} lang={lang} scripts="signup" switchPath="/">
      <h1>{t.title}</h1>
      <p class="lede">{t.lede}</p>
      <ErrorSummary errors={props.errors} lang={lang} />
      <form method="post" action="/v1/subscriptions">
        <div class="field">
          <label for="email">{t.email}</label>
          <p class="hint" id="email-hint">
            {t.emailHint}
          </p>
          <FieldError errors={props.errors} field="email" lang={lang} />
          <input
            id="email"
            name="email"
            type="email"
            required
            autocomplete="email"
            value={props.email ?? ''}
            {...describedBy(props.errors, 'email', 'email-hint')}
          />
        </div>
        <PreferenceFields
          value={props.value ?? { ...defaultPreferences, language: lang }}
          keepTimezone={props.value !== undefined}
          errors={props.errors}
          lang={lang}
        />
        <ExpectedVolumeNote volume={props.volume} what={t.volumeWhat} lang={lang} />
        <button type="submit">{t.submit}</button>
      </form>
      <FeedLinks countries={[]} regions={[]} categories={[]} what={t.feedsWhat} lang={lang} />
    </Layout>
  );
}
