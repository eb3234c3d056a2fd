/** @jsxImportSource hono/jsx */
import type { Preferences } from '../subscribers/preferences';
import { FormErrors, Layout } from './layout';
import { PreferenceFields } from './preference-fields';

export const defaultPreferences: Preferences = {
  countries: [],
  regions: [],
  categories: [],
  frequency: 'monthly',
  timezone: 'UTC',
  skipEmpty: false,
};

export function SignupPage(props: { errors?: string[]; email?: string; value?: Preferences }) {
  return (
    <Layout title="Create your alerts" scripts="signup">
      <h1>Create your alerts</h1>
      <p class="lede">
        Receive a customised selection of Democracy Tracker reports in your inbox: the countries and categories you choose, once a month or
        once a week.
      </p>
      <FormErrors errors={props.errors} />
      <form method="post" action="/v1/subscriptions">
        <div class="field">
          <label for="email">Email address</label>
          <input id="email" name="email" type="email" required autocomplete="email" value={props.email ?? ''} />
          <p class="hint">We will send a link to confirm it. Nothing is sent until you do.</p>
        </div>
        <PreferenceFields value={props.value ?? defaultPreferences} />
        <button type="submit">Sign up</button>
      </form>
    </Layout>
  );
}
