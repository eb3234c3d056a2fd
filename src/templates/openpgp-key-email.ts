/** The confirmation of a new OpenPGP key: sent encrypted to that key, so only its holder can follow the link. */

import { formatNumber, type Language, messagesFor, withColon } from '../i18n';
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { oneLine } from './format';
import type { Branding, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, type LanguageView, languageView, linkList, siteNameOf } from './shared-view';

export interface OpenpgpKeyEmailModel extends Branding {
  language?: Language;
  recipient: { email: string };
  /** The key's fingerprint, hex. */
  fingerprint: string;
  expiresInDays?: number;
  links: { confirm: string; manage: string; unsubscribe: string; site: string };
}

interface OpenpgpKeyView extends LanguageView {
  subject: string;
  preheader: string;
  siteName: string;
  links: { confirm: string; site: string };
  header: HeaderView;
  footer: FooterView;
  t: { intro: string; explain: string; button: string; expiry: string | false; ignore: string };
}

const fillOpenpgpKey = prepareTemplate<OpenpgpKeyView>(compiledTemplates.openpgpKey);

/** "ABCD 1234 ..." in groups of four, as gpg shows it. */
export const groupedFingerprint = (hex: string) => oneLine(hex).replace(/(.{4})(?=.)/g, '$1 ');

export function renderOpenpgpKeyEmail(model: OpenpgpKeyEmailModel): RenderedEmail {
  const language = model.language ?? 'en';
  const t = messagesFor(language).email;
  const siteName = siteNameOf(model);
  const email = oneLine(model.recipient.email);
  const fingerprint = groupedFingerprint(model.fingerprint);
  const days = model.expiresInDays;
  const expiry = days !== undefined && days > 0 ? t.days(Math.floor(days), formatNumber(Math.floor(days), language)) : false;
  const links = {
    confirm: requireHttpUrl(model.links.confirm, 'links.confirm'),
    manage: requireHttpUrl(model.links.manage, 'links.manage'),
    unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
    site: requireHttpUrl(model.links.site, 'links.site'),
  };
  const subject = t.openpgp.subject(siteName);
  const why = t.openpgp.why(siteName, email);
  const html = fillOpenpgpKey({
    ...languageView(language),
    subject,
    preheader: t.openpgp.preheader,
    siteName,
    links,
    header: { kicker: t.kicker, title: t.openpgp.title, subtitle: false },
    footer: {
      why,
      links: linkList([
        { label: t.managePreferences, url: links.manage },
        { label: t.unsubscribe, url: links.unsubscribe },
      ]),
    },
    t: {
      intro: t.openpgp.intro(fingerprint, email),
      explain: t.openpgp.explain,
      button: t.openpgp.button,
      expiry: expiry ? t.confirm.expiry(expiry) : false,
      ignore: t.openpgp.ignore,
    },
  });
  const text = [
    t.openpgp.textTitle(siteName),
    '',
    t.openpgp.intro(fingerprint, email),
    '',
    withColon(t.openpgp.explain.replace(/\.$/, ''), language),
    links.confirm,
    ...(expiry ? [t.confirm.textExpiry(expiry)] : []),
    '',
    t.openpgp.textIgnore,
    '',
    '-- ',
    why,
    `${withColon(t.managePreferences, language)} ${links.manage}`,
    `${withColon(t.unsubscribe, language)} ${links.unsubscribe}`,
    t.noTracking,
    '',
  ].join('\n');
  return { subject, html, text };
}
