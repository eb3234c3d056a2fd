/** @jsxImportSource hono/jsx */
import type { ExpectedVolume } from '../alerts/expected-volume';
import type { Preferences } from '../subscribers/preferences';
import { ExpectedVolumeNote } from './expected-volume';
import { FeedLinks } from './feed-links';
import { ErrorSummary, type FieldErrors } from './form-errors';
import { Layout } from './layout';
import { PreferenceFields } from './preference-fields';

export function PreferencesPage(props: {
  email: string;
  value: Preferences;
  token: string;
  unsubscribeUrl: string;
  exportUrl: string;
  saved?: boolean;
  errors?: FieldErrors;
  volume?: ExpectedVolume;
}) {
  return (
    <Layout title="Your alerts" scripts="signup">
      <h1>Your alerts</h1>
      <p class="lede">
        Choices for <strong>{props.email}</strong>. Change anything and save, or leave at the bottom of the page.
      </p>
      {props.saved ? (
        <div class="notice" role="status">
          Your choices are saved.
        </div>
      ) : null}
      <ErrorSummary errors={props.errors} />
      <form method="post" action={`/preferences?token=${encodeURIComponent(props.token)}`}>
        <PreferenceFields value={props.value} keepTimezone errors={props.errors} />
        <ExpectedVolumeNote volume={props.volume} what="your saved choices" />
        <button type="submit">Save my choices</button>
      </form>
      <FeedLinks
        countries={props.value.countries}
        regions={props.value.regions}
        categories={props.value.categories}
        what="the changes your saved choices select"
      />
      <h2>Encrypted email</h2>
      <p>
        <a href={`/preferences/openpgp?token=${encodeURIComponent(props.token)}`}>Encrypt every email to your OpenPGP key</a>, or change or
        remove the key you gave.
      </p>
      <h2>Your data</h2>
      <p>
        <a href={props.exportUrl} download="tracker-alerts-my-data.json">
          Download everything we store about you
        </a>{' '}
        (JSON: your address, choices, consent record and the digests sent to you). The link works for an hour.
      </p>
      <h2>Sign out every link</h2>
      <p>
        If an email from us was forwarded or someone else may have its links, stop every link we have sent you. Your alerts go on; to change
        them later, sign up again with the same address and we will email you a new link.
      </p>
      <form method="post" action={`/preferences/sign-out?token=${encodeURIComponent(props.token)}`}>
        <button type="submit">Sign out every link</button>
      </form>
      <h2>Stop all alerts</h2>
      <p>
        <a href={props.unsubscribeUrl}>Unsubscribe</a> — we delete your choices and send nothing more.
      </p>
    </Layout>
  );
}
