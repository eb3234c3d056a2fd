/** The double opt-in email: one button, the choices, "ignore it if it was not you". */
import { formatNumber, type Language, messagesFor, withColon } from '../i18n';
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { type ChoicesSummary, oneLine, summariseChoices } from './format';
import type { ConfirmEmailModel, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, type LanguageView, languageView, linkList, siteNameOf } from './shared-view';

export interface PreparedConfirm {
  language: Language;
  subject: string;
  siteName: string;
  email: string;
  choices: ChoicesSummary;
  /** "The button works for 7 days." */
  expiry: string | false;
  /** "If you confirm now, your first monthly digest arrives on ..." */
  firstDigest: string | false;
  links: { confirm: string; site: string };
}

export function prepareConfirm(model: ConfirmEmailModel): PreparedConfirm {
  const language = model.language ?? 'en';
  const t = messagesFor(language);
  const siteName = siteNameOf(model);
  const days = model.expiresInDays;
  const whole = days !== undefined && Number.isFinite(days) && days > 0 ? Math.floor(days) : undefined;
  return {
    language,
    subject: t.email.confirm.subject(siteName),
    siteName,
    email: oneLine(model.recipient.email),
    choices: summariseChoices(model.choices, language),
    expiry: whole !== undefined ? t.email.days(whole, formatNumber(whole, language)) : false,
    firstDigest: model.firstDigest
      ? t.email.confirm.firstDigest(t.nouns[model.choices.frequency], oneLine(model.firstDigest.arrives), oneLine(model.firstDigest.covers))
      : false,
    links: {
      confirm: requireHttpUrl(model.links.confirm, 'links.confirm'),
      site: requireHttpUrl(model.links.site, 'links.site'),
    },
  };
}

interface ConfirmView extends PreparedConfirm, LanguageView {
  preheader: string;
  header: HeaderView;
  footer: FooterView;
  t: { intro: string; button: string; expiry: string | false; copyLink: string; ignore: string };
}

const fillConfirm = prepareTemplate<ConfirmView>(compiledTemplates.confirm);

export function confirmText(p: PreparedConfirm): string {
  const t = messagesFor(p.language).email;
  const line = (label: string, value: string) => `  ${withColon(label, p.language)} ${value}`;
  return [
    t.confirm.textTitle(p.siteName),
    '',
    t.confirm.intro(p.siteName, p.email),
    '',
    line(t.places, p.choices.places),
    line(t.categories, p.choices.categories),
    line(t.frequency, p.choices.frequency),
    '',
    withColon(t.confirm.button, p.language),
    p.links.confirm,
    ...(p.expiry ? [t.confirm.textExpiry(p.expiry)] : []),
    '',
    ...(p.firstDigest ? [p.firstDigest.replace(/\u2013/g, '-'), ''] : []),
    t.confirm.ignore,
    '',
    '-- ',
    t.confirm.why(p.email, p.siteName),
    `${p.siteName}: ${p.links.site}`,
    t.noTracking,
    '',
  ].join('\n');
}

export function renderConfirmEmail(model: ConfirmEmailModel): RenderedEmail {
  const p = prepareConfirm(model);
  const t = messagesFor(p.language).email;
  const html = fillConfirm({
    ...p,
    ...languageView(p.language),
    preheader: t.confirm.preheader,
    header: { kicker: t.kicker, title: t.confirm.title, subtitle: false },
    footer: {
      why: t.confirm.why(p.email, p.siteName),
      links: linkList([{ label: p.siteName, url: p.links.site }]),
    },
    t: {
      intro: t.confirm.intro(p.siteName, p.email),
      button: t.confirm.button,
      expiry: p.expiry ? t.confirm.expiry(p.expiry) : false,
      copyLink: t.confirm.copyLink,
      ignore: t.confirm.ignore,
    },
  });
  return { subject: p.subject, html, text: confirmText(p) };
}
