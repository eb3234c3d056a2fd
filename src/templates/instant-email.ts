/** The instant watch-flag alert: sent at once when a flag is raised in a subscriber's countries. */
import type { Language } from '../db/database';
import type { InstantAlertItem, InstantAlertModel } from '../db/instant-model';
import { formatNumber, messagesFor, reportLanguage, withColon } from '../i18n';
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { listNames, oneLine, shorten } from './format';
import type { RenderedEmail } from './models';
import { requireHttpUrl, safeHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, type LanguageView, languageView, linkList, siteNameOf } from './shared-view';

interface ItemView {
  badge: string;
  title: string;
  url: string | false;
  country: string;
  month: string;
  /** The report's language when it is not the reader's: `lang` of its title and "In Spanish". */
  reportLanguage: { tag: string; note: string } | false;
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
  t: { turnOff: string; unsubscribeAll: string };
}

const fillInstant = prepareTemplate<InstantView>(compiledTemplates.instant);

const words = (language: Language | undefined) => messagesFor(language ?? 'en').email.instant;

const badgeOf = (item: InstantAlertItem, language: Language | undefined) =>
  item.kind === 'published' ? words(language).published : words(language).raised;

export function instantSubject(model: InstantAlertModel): string {
  const language = model.language ?? 'en';
  const t = words(language);
  if (model.neutralSubjects) return t.neutralSubject;
  const [only] = model.items;
  if (model.items.length === 1 && only) return t.subjectOne(oneLine(only.country), shorten(only.title, 80));
  const countries = [...new Set(model.items.map((i) => i.country))];
  return t.subjectMany(formatNumber(model.items.length, language), listNames(countries, 3, language));
}

export function renderInstantEmail(model: InstantAlertModel): RenderedEmail {
  const language = model.language ?? 'en';
  const t = words(language);
  const common = messagesFor(language).email;
  const siteName = siteNameOf(model);
  const links = {
    manage: requireHttpUrl(model.links.manage, 'links.manage'),
    unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
    site: requireHttpUrl(model.links.site, 'links.site'),
  };
  const items: ItemView[] = model.items.map((item) => ({
    badge: badgeOf(item, language),
    title: oneLine(item.title),
    url: safeHttpUrl(item.url) ?? false,
    country: oneLine(item.country),
    month: oneLine(item.month),
    reportLanguage: reportLanguage(item.language, language) ?? false,
  }));
  const one = items.length === 1;
  const subject = instantSubject(model);
  const explanation = `${one ? t.raisedOne : t.raisedMany(formatNumber(items.length, language))} ${t.explanation}`;
  const digestNote = one ? t.digestNoteOne : t.digestNoteMany;
  const why = t.why(oneLine(model.recipient.email), siteName);
  const html = fillInstant({
    ...languageView(language),
    subject,
    preheader: model.neutralSubjects ? t.neutralPreheader : explanation,
    siteName,
    explanation,
    digestNote,
    capNote: t.capNote,
    items,
    links,
    header: {
      kicker: t.kicker,
      title: one ? t.titleOne : t.titleMany,
      subtitle: listNames([...new Set(items.map((i) => i.country))], 12, language),
    },
    footer: {
      why,
      links: linkList([
        { label: t.turnOff, url: links.manage },
        { label: common.unsubscribe, url: links.unsubscribe },
        { label: siteName, url: links.site },
      ]),
    },
    t: { turnOff: t.turnOff, unsubscribeAll: t.unsubscribeAll },
  });
  const text = [
    one ? t.textTitleOne(siteName) : t.textTitleMany(siteName),
    '',
    explanation,
    '',
    ...items.flatMap((item) => [
      `${withColon(item.badge.toUpperCase(), language)} ${item.title}`,
      `  ${[item.country, item.month, item.reportLanguage ? item.reportLanguage.note : ''].filter((s) => s !== '').join(' · ')}`,
      ...(item.url ? [`  ${item.url}`] : []),
      '',
    ]),
    digestNote,
    '',
    withColon(t.textTurnOff, language),
    links.manage,
    '',
    t.capNote,
    withColon(t.unsubscribeAll, language),
    links.unsubscribe,
    '',
    '-- ',
    why,
    `${siteName}: ${links.site}`,
    common.noTracking,
    '',
  ].join('\n');
  return { subject, html, text };
}
