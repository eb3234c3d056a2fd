/** The instant watch-flag alert: sent at once when a flag is raised in a subscriber's countries. */
import type { InstantAlertItem, InstantAlertModel } from '../db/instant-model';
import { DEFAULT_NEUTRAL_SUBJECT } from '../email/transport';
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { listNames, oneLine, shorten } from './format';
import type { RenderedEmail } from './models';
import { requireHttpUrl, safeHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, type LanguageView, languageView, linkList, siteNameOf } from './shared-view';

/** What a watch flag is, said once in every alert (and in digests that show flags). */
export const WATCH_FLAG_EXPLANATION =
  "A watch flag means the tracker's editors are keeping a close eye on a development: something that may grow into a larger change for democracy in that country.";

interface ItemView {
  badge: string;
  title: string;
  url: string | false;
  country: string;
  month: string;
}

interface InstantView extends LanguageView {
  subject: string;
  preheader: string;
  siteName: string;
  explanation: string;
  digestNote: string;
  capNote: string;
  items: ItemView[];
  links: InstantAlertModel['links'];
  header: HeaderView;
  footer: FooterView;
}

const fillInstant = prepareTemplate<InstantView>(compiledTemplates.instant);

const badgeOf = (item: InstantAlertItem) => (item.kind === 'published' ? 'New report with a watch flag' : 'Watch flag raised');

export function instantSubject(model: InstantAlertModel): string {
  if (model.neutralSubjects) return DEFAULT_NEUTRAL_SUBJECT;
  const [only] = model.items;
  if (model.items.length === 1 && only) return `Watch flag: ${oneLine(only.country)}, ${shorten(only.title, 80)}`;
  const countries = [...new Set(model.items.map((i) => i.country))];
  return `Watch flags on ${model.items.length} reports in ${listNames(countries, 3)}`;
}

export function renderInstantEmail(model: InstantAlertModel): RenderedEmail {
  const siteName = siteNameOf(model);
  const links = {
    manage: requireHttpUrl(model.links.manage, 'links.manage'),
    unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
    site: requireHttpUrl(model.links.site, 'links.site'),
  };
  const items: ItemView[] = model.items.map((item) => ({
    badge: badgeOf(item),
    title: oneLine(item.title),
    url: safeHttpUrl(item.url) ?? false,
    country: oneLine(item.country),
    month: oneLine(item.month),
  }));
  const subject = instantSubject(model);
  const flags = items.length === 1 ? 'A watch flag was' : `${items.length} watch flags were`;
  const explanation = `${flags} raised in the countries you follow. ${WATCH_FLAG_EXPLANATION}`;
  const digestNote = `${items.length === 1 ? 'This report' : 'These reports'} will also be in your next digest, marked with the date of this alert.`;
  const capNote =
    'You asked for instant alerts. You get at most one such email in a few hours: flags raised meanwhile come together in the next one.';
  const why = `You received this email because ${oneLine(model.recipient.email)} asked ${siteName} for instant watch-flag alerts.`;
  const html = fillInstant({
    // Instant alerts are written in English for now.
    ...languageView('en'),
    subject,
    preheader: model.neutralSubjects ? 'Open to read it.' : explanation,
    siteName,
    explanation,
    digestNote,
    capNote,
    items,
    links,
    header: {
      kicker: 'Instant alert',
      title: items.length === 1 ? 'Watch flag raised' : 'Watch flags raised',
      subtitle: listNames([...new Set(items.map((i) => i.country))]),
    },
    footer: {
      why,
      links: linkList([
        { label: 'Turn off instant alerts', url: links.manage },
        { label: 'Unsubscribe', url: links.unsubscribe },
        { label: siteName, url: links.site },
      ]),
    },
  });
  const text = [
    `${siteName} alerts: ${items.length === 1 ? 'watch flag raised' : 'watch flags raised'}`,
    '',
    explanation,
    '',
    ...items.flatMap((item) => [
      `${item.badge.toUpperCase()}: ${item.title}`,
      `  ${item.country} · ${item.month}`,
      ...(item.url ? [`  ${item.url}`] : []),
      '',
    ]),
    digestNote,
    '',
    'Turn off instant alerts (your preference centre):',
    links.manage,
    '',
    capNote,
    'Unsubscribe from all alerts:',
    links.unsubscribe,
    '',
    '-- ',
    why,
    `${siteName}: ${links.site}`,
    'This email loads no images and its links are not tracked.',
    '',
  ].join('\n');
  return { subject, html, text };
}
