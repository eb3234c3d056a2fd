/** @jsxImportSource hono/jsx */
import { feedLinks } from '../alerts/change-feeds';
import { type Language, messagesFor } from '../i18n';

/** Links to the Atom and JSON feeds of a selection: the same alerts in a feed reader, no address needed. */
export function FeedLinks(props: {
  countries: readonly string[];
  regions: readonly string[];
  categories: readonly string[];
  what: string;
  lang: Language;
}) {
  const t = messagesFor(props.lang).feeds;
  const links = feedLinks('', { countries: props.countries, regions: props.regions, categories: props.categories, types: [] });
  return (
    <p class="meta">
      {t.before(props.what)} <a href={links.atom}>{t.atom}</a> {t.or} <a href={links.json}>{t.json}</a>.
    </p>
  );
}
