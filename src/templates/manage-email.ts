/** Sent when a confirmed address signs up again: a way in to the preference centre, and out. */
import { type Language, messagesFor, withColon } from '../i18n';
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { type ChoicesSummary, oneLine, summariseChoices } from './format';
import type { ManageEmailModel, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, type LanguageView, languageView, linkList, siteNameOf } from './shared-view';

export interface PreparedManage {
  language: Language;
  subject: string;
  siteName: string;
  email: string;
  choices: ChoicesSummary | false;
  links: { manage: string; unsubscribe: string; site: string };
}

export function prepareManage(model: ManageEmailModel): PreparedManage {
  const language = model.language ?? 'en';
  const siteName = siteNameOf(model);
  return {
    language,
    subject: messagesFor(language).email.manage.subject(siteName),
    siteName,
    email: oneLine(model.recipient.email),
    choices: model.choices ? summariseChoices(model.choices, language) : false,
    links: {
      manage: requireHttpUrl(model.links.manage, 'links.manage'),
      unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
      site: requireHttpUrl(model.links.site, 'links.site'),
    },
  };
}

interface ManageView extends PreparedManage, LanguageView {
  preheader: string;
  header: HeaderView;
  footer: FooterView;
  t: { intro: string; change: string; button: string; stopBefore: string; stopLink: string; ignore: string };
}

const fillManage = prepareTemplate<ManageView>(compiledTemplates.manage);

export function manageText(p: PreparedManage): string {
  const t = messagesFor(p.language).email;
  const line = (label: string, value: string) => `  ${withColon(label, p.language)} ${value}`;
  return [
    t.manage.textTitle(p.siteName),
    '',
    t.manage.intro(p.email, p.siteName),
    ...(p.choices
      ? ['', line(t.places, p.choices.places), line(t.categories, p.choices.categories), line(t.frequency, p.choices.frequency)]
      : []),
    '',
    withColon(t.manage.change.replace(/\.$/, ''), p.language),
    p.links.manage,
    '',
    `${t.manage.stopBefore} ${withColon(t.manage.stopLink, p.language)}`,
    p.links.unsubscribe,
    '',
    t.manage.ignore,
    '',
    '-- ',
    t.manage.why(p.email, p.siteName),
    `${p.siteName}: ${p.links.site}`,
    t.noTracking,
    '',
  ].join('\n');
}

export function renderManageEmail(model: ManageEmailModel): RenderedEmail {
  const p = prepareManage(model);
  const t = messagesFor(p.language).email;
  const html = fillManage({
    ...p,
    ...languageView(p.language),
    preheader: t.manage.preheader,
    header: { kicker: t.kicker, title: t.manage.title, subtitle: false },
    footer: {
      why: t.manage.why(p.email, p.siteName),
      links: linkList([
        { label: t.managePreferences, url: p.links.manage },
        { label: t.unsubscribe, url: p.links.unsubscribe },
        { label: p.siteName, url: p.links.site },
      ]),
    },
    t: {
      intro: t.manage.intro(p.email, p.siteName),
      change: t.manage.change,
      button: t.manage.button,
      stopBefore: t.manage.stopBefore,
      stopLink: t.manage.stopLink,
      ignore: t.manage.ignore,
    },
  });
  return { subject: p.subject, html, text: manageText(p) };
}
