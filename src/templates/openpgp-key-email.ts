/** The confirmation of a new OpenPGP key: sent encrypted to that key, so only its holder can follow the link. */
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { oneLine, plural } from './format';
import type { Branding, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, linkList, siteNameOf } from './shared-view';

export interface OpenpgpKeyEmailModel extends Branding {
  recipient: { email: string };
  /** The key's fingerprint, hex. */
  fingerprint: string;
  expiresInDays?: number;
  links: { confirm: string; manage: string; unsubscribe: string; site: string };
}

interface OpenpgpKeyView {
  subject: string;
  preheader: string;
  siteName: string;
  email: string;
  fingerprint: string;
  expiry: string | false;
  links: { confirm: string; site: string };
  header: HeaderView;
  footer: FooterView;
}

const fillOpenpgpKey = prepareTemplate<OpenpgpKeyView>(compiledTemplates.openpgpKey);

/** "ABCD 1234 ..." in groups of four, as gpg shows it. */
export const groupedFingerprint = (hex: string) => oneLine(hex).replace(/(.{4})(?=.)/g, '$1 ');

export function renderOpenpgpKeyEmail(model: OpenpgpKeyEmailModel): RenderedEmail {
  const siteName = siteNameOf(model);
  const email = oneLine(model.recipient.email);
  const fingerprint = groupedFingerprint(model.fingerprint);
  const days = model.expiresInDays;
  const expiry = days !== undefined && days > 0 ? plural(Math.floor(days), 'day', 'days') : false;
  const links = {
    confirm: requireHttpUrl(model.links.confirm, 'links.confirm'),
    manage: requireHttpUrl(model.links.manage, 'links.manage'),
    unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
    site: requireHttpUrl(model.links.site, 'links.site'),
  };
  const subject = `Confirm encrypted email for your ${siteName} alerts`;
  const why = `You received this email because someone gave this OpenPGP key for the ${siteName} alerts of ${email}.`;
  const html = fillOpenpgpKey({
    subject,
    preheader: 'Confirm the key, and every email after this one is encrypted to it.',
    siteName,
    email,
    fingerprint,
    expiry,
    links,
    header: { kicker: 'Alerts', title: 'Confirm encrypted email', subtitle: false },
    footer: {
      why,
      links: linkList([
        { label: 'Manage preferences', url: links.manage },
        { label: 'Unsubscribe', url: links.unsubscribe },
      ]),
    },
  });
  const text = [
    `${siteName} alerts: confirm encrypted email`,
    '',
    `You are reading this because you could decrypt it: the OpenPGP key with fingerprint ${fingerprint} was given for the alerts of ${email}.`,
    '',
    'Confirm it, and every email we send you from then on (digests, instant alerts and notices) is encrypted to this key, with a subject that names nothing:',
    links.confirm,
    ...(expiry ? [`(The link works for ${expiry}.)`] : []),
    '',
    'If you did not ask for this, ignore this email: nothing changes unless the link is used.',
    '',
    '-- ',
    why,
    `Manage preferences: ${links.manage}`,
    `Unsubscribe: ${links.unsubscribe}`,
    'This email loads no images and its links are not tracked.',
    '',
  ].join('\n');
  return { subject, html, text };
}
