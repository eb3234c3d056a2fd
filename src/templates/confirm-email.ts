/** The double opt-in email: one button, the choices, "ignore it if it was not you". */
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { type ChoicesSummary, digestNoun, oneLine, plural, summariseChoices } from './format';
import type { ConfirmEmailModel, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, linkList, siteNameOf } from './shared-view';

export interface PreparedConfirm {
  subject: string;
  siteName: string;
  email: string;
  choices: ChoicesSummary;
  expiry: string | false;
  /** "If you confirm now, your first monthly digest arrives on ..." */
  firstDigest: string | false;
  links: { confirm: string; site: string };
}

export function prepareConfirm(model: ConfirmEmailModel): PreparedConfirm {
  const siteName = siteNameOf(model);
  const days = model.expiresInDays;
  return {
    subject: `Confirm your ${siteName} alerts`,
    siteName,
    email: oneLine(model.recipient.email),
    choices: summariseChoices(model.choices),
    expiry: days !== undefined && Number.isFinite(days) && days > 0 ? plural(Math.floor(days), 'day', 'days') : false,
    firstDigest: model.firstDigest
      ? `If you confirm now, your first ${digestNoun(model.choices.frequency)} arrives on ${oneLine(model.firstDigest.arrives)}, with the reports of ${oneLine(model.firstDigest.covers)} that match your selection.`
      : false,
    links: {
      confirm: requireHttpUrl(model.links.confirm, 'links.confirm'),
      site: requireHttpUrl(model.links.site, 'links.site'),
    },
  };
}

interface ConfirmView extends PreparedConfirm {
  preheader: string;
  header: HeaderView;
  footer: FooterView;
}

const fillConfirm = prepareTemplate<ConfirmView>(compiledTemplates.confirm);

export function confirmText(p: PreparedConfirm): string {
  return [
    `${p.siteName} alerts: please confirm`,
    '',
    `Please confirm that you want email alerts from ${p.siteName} for ${p.email}, with this selection:`,
    '',
    `  Countries and regions: ${p.choices.places}`,
    `  Categories: ${p.choices.categories}`,
    `  How often: ${p.choices.frequency}`,
    '',
    'Confirm my alerts:',
    p.links.confirm,
    ...(p.expiry ? [`(The link works for ${p.expiry}.)`] : []),
    '',
    ...(p.firstDigest ? [p.firstDigest.replace(/\u2013/g, '-'), ''] : []),
    'If you did not ask for these alerts, you can ignore this email: nothing will be sent to you unless you confirm.',
    '',
    '-- ',
    `You received this email because someone entered ${p.email} on ${p.siteName} to sign up for alerts.`,
    `${p.siteName}: ${p.links.site}`,
    'This email loads no images and its links are not tracked.',
    '',
  ].join('\n');
}

export function renderConfirmEmail(model: ConfirmEmailModel): RenderedEmail {
  const p = prepareConfirm(model);
  const html = fillConfirm({
    ...p,
    preheader: 'One click to start your alerts. If it was not you, ignore this email.',
    header: { kicker: 'Alerts', title: 'Confirm your alerts', subtitle: false },
    footer: {
      why: `You received this email because someone entered ${p.email} on ${p.siteName} to sign up for alerts.`,
      links: linkList([{ label: p.siteName, url: p.links.site }]),
    },
  });
  return { subject: p.subject, html, text: confirmText(p) };
}
