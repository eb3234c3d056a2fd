/** @jsxImportSource hono/jsx */
import type { Frequency } from '../db/database';
import { type Language, messagesFor } from '../i18n';
import { Layout } from './layout';

/**
 * A GET never unsubscribes (mail scanners follow links): this page names the address (masked),
 * offers fewer emails beside stopping, and asks for one click either way.
 */
export function UnsubscribePage(props: {
  lang: Language;
  token: string;
  maskedEmail: string;
  frequency: Frequency;
  manageUrl: string;
  changed?: 'monthly' | undefined;
}) {
  const t = messagesFor(props.lang).unsubscribe;
  const query = `token=${encodeURIComponent(props.token)}`;
  return (
    <Layout title={t.title} lang={props.lang}>
      <h1>{t.heading}</h1>
      <p class="lede">
        {t.forAddress} <strong>{props.maskedEmail}</strong>.
      </p>
      {props.changed === 'monthly' ? (
        <div class="notice" role="status">
          {t.doneMonthly}
        </div>
      ) : null}
      <section aria-labelledby="fewer-title">
        <h2 id="fewer-title">{t.fewerTitle}</h2>
        {props.frequency === 'weekly' ? (
          <form method="post" action={`/unsubscribe/fewer?${query}`}>
            <p>{t.weekly}</p>
            <input type="hidden" name="frequency" value="monthly" />
            <button type="submit" class="secondary">
              {t.monthlyButton}
            </button>
          </form>
        ) : (
          <p>{t.monthly}</p>
        )}
        <p>
          <a href={props.manageUrl}>{t.fewerLink}</a> {t.fewerRest}
        </p>
      </section>
      <section aria-labelledby="stop-title">
        <h2 id="stop-title">{t.stopTitle}</h2>
        <p>{t.stopText}</p>
        <form method="post" action={`/unsubscribe/stop?${query}`}>
          <button type="submit" class="danger">
            {t.stopButton}
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The state after leaving, for the same link opened again: nothing left to press. */
export function UnsubscribedPage({ lang }: { lang: Language }) {
  const t = messagesFor(lang).unsubscribe;
  return (
    <Layout title={t.doneTitle} lang={lang}>
      <h1>{t.doneTitle}</h1>
      <div class="notice" role="status">
        <p>{t.doneText}</p>
      </div>
      <p>
        {t.againBefore} <a href={lang === 'en' ? '/' : `/?lang=${lang}`}>{t.againLink}</a>.
      </p>
    </Layout>
  );
}
