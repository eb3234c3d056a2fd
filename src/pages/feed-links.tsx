/** @jsxImportSource hono/jsx */
import { feedLinks } from '../alerts/change-feeds';

/** Links to the Atom and JSON feeds of a selection: the same alerts in a feed reader, no address needed. */
export function FeedLinks(props: {
  countries: readonly string[];
  regions: readonly string[];
  categories: readonly string[];
  what: string;
}) {
  const links = feedLinks('', { countries: props.countries, regions: props.regions, categories: props.categories, types: [] });
  return (
    <p class="meta">
      Rather follow {props.what} in a feed reader, without an email address? <a href={links.atom}>Atom feed</a> or{' '}
      <a href={links.json}>JSON Feed</a>.
    </p>
  );
}
