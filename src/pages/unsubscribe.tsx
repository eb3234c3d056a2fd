/** @jsxImportSource hono/jsx */
import type { Frequency } from '../db/database';
import { Layout } from './layout';

/**
 * A GET never unsubscribes (mail scanners follow links): this page names the address (masked),
 * offers fewer emails beside stopping, and asks for one click either way.
 */
export function UnsubscribePage(props: {
  token: string;
  maskedEmail: string;
  frequency: Frequency;
  manageUrl: string;
  changed?: 'monthly' | undefined;
}) {
  const query = `token=${encodeURIComponent(props.token)}`;
  return (
    <Layout title="Unsubscribe">
      <h1>Stop your alerts?</h1>
      <p class="lede">
        For <strong>{props.maskedEmail}</strong>.
      </p>
      {props.changed === 'monthly' ? (
        <div class="notice" role="status">
          Done: you now get one email a month, on the first day of the month.
        </div>
      ) : null}
      <section aria-labelledby="fewer-title">
        <h2 id="fewer-title">Or get fewer emails</h2>
        {props.frequency === 'weekly' ? (
          <form method="post" action={`/unsubscribe/fewer?${query}`}>
            <p>You get a digest every week. A monthly digest holds the same reports in one email.</p>
            <input type="hidden" name="frequency" value="monthly" />
            <button type="submit" class="secondary">
              Send me one email a month instead
            </button>
          </form>
        ) : (
          <p>You get one email a month, and only when reports match your choices if you ask for that.</p>
        )}
        <p>
          <a href={props.manageUrl}>Choose fewer countries or categories</a> in your preferences.
        </p>
      </section>
      <section aria-labelledby="stop-title">
        <h2 id="stop-title">Stop everything</h2>
        <p>We will delete your choices and send you nothing more.</p>
        <form method="post" action={`/unsubscribe/stop?${query}`}>
          <button type="submit" class="danger">
            Unsubscribe
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The state after leaving, for the same link opened again: nothing left to press. */
export function UnsubscribedPage() {
  return (
    <Layout title="You are unsubscribed">
      <h1>You are unsubscribed</h1>
      <div class="notice" role="status">
        <p>This address is unsubscribed: we have deleted its choices and send it nothing more. There is nothing else to do.</p>
      </div>
      <p>
        Changed your mind? <a href="/">Sign up again</a>.
      </p>
    </Layout>
  );
}
