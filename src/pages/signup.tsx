/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';
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
export function SignupPage(props: { errors?: FieldErrors; email?: string; value?: Preferences; volume?: ExpectedVolume }) {
  return (
    <Layout title="Create your alerts" scripts="signup">
      <h1>Create your alerts</h1>
      <p class="lede">
        Receive a customised selection of Democracy Tracker reports in your inbox: the countries and categories you choose, once a month or
        once a week.
      </p>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/v1/subscriptions">
        <div class="field">
          <label for="email">Email address</label>
          <p class="hint" id="email-hint">
            We will send a link to confirm it. Nothing is sent until you do.
          </p>
          <FieldError errors={props.errors} field="email" />
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
        <PreferenceFields value={props.value ?? defaultPreferences} keepTimezone={props.value !== undefined} errors={props.errors} />
        <ExpectedVolumeNote volume={props.volume} what="alerts for every country, monthly" />
        <button type="submit">Sign up</button>
      </form>
      <FeedLinks countries={[]} regions={[]} categories={[]} what="every change the tracker makes" />
    </Layout>
  );
}
