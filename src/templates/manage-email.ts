/** Sent when a confirmed address signs up again: a way in to the preference centre, and out. */
import { compiledTemplates } from './compiled';
import { prepareTemplate } from './fill';
import { type ChoicesSummary, oneLine, summariseChoices } from './format';
import type { ManageEmailModel, RenderedEmail } from './models';
import { requireHttpUrl } from './safe-url';
import { type FooterView, type HeaderView, linkList, siteNameOf } from './shared-view';

export interface PreparedManage {
  subject: string;
  siteName: string;
  email: string;
  choices: ChoicesSummary | false;
  links: { manage: string; unsubscribe: string; site: string };
}

export function prepareManage(model: ManageEmailModel): PreparedManage {
  const siteName = siteNameOf(model);
  return {
    subject: `Manage your ${siteName} alerts`,
    siteName,
    email: oneLine(model.recipient.email),
    choices: model.choices ? summariseChoices(model.choices) : false,
    links: {
      manage: requireHttpUrl(model.links.manage, 'links.manage'),
      unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
      site: requireHttpUrl(model.links.site, 'links.site'),
    },
  };
}

interface ManageView extends PreparedManage {
  preheader: string;
  header: HeaderView;
  footer: FooterView;
}

const fillManage = prepareTemplate<ManageView>(compiledTemplates.manage);

function whyLine(p: PreparedManage): string {
  return `You received this email because someone asked to sign up ${p.email} for ${p.siteName} alerts.`;
}

export function manageText(p: PreparedManage): string {
  return [
    `${p.siteName} alerts: manage your alerts`,
    '',
    `Someone asked to sign up ${p.email} for alerts from ${p.siteName}. This address already receives them, so nothing has changed.`,
    ...(p.choices
      ? ['', `  Countries and regions: ${p.choices.places}`, `  Categories: ${p.choices.categories}`, `  How often: ${p.choices.frequency}`]
      : []),
    '',
    'To change your countries, categories or how often you hear from us, open your preference centre:',
    p.links.manage,
    '',
    'Want to stop? Unsubscribe from all alerts:',
    p.links.unsubscribe,
    '',
    'If you did not ask for this, you can ignore this email: your alerts stay as they are.',
    '',
    '-- ',
    whyLine(p),
    `${p.siteName}: ${p.links.site}`,
    'This email loads no images and its links are not tracked.',
    '',
  ].join('\n');
}

export function renderManageEmail(model: ManageEmailModel): RenderedEmail {
  const p = prepareManage(model);
  const html = fillManage({
    ...p,
    preheader: 'Your alerts are already set up. Change them or unsubscribe here.',
    header: { kicker: 'Alerts', title: 'Manage your alerts', subtitle: false },
    footer: {
      why: whyLine(p),
      links: linkList([
        { label: 'Manage preferences', url: p.links.manage },
        { label: 'Unsubscribe', url: p.links.unsubscribe },
        { label: p.siteName, url: p.links.site },
      ]),
    },
  });
  return { subject: p.subject, html, text: manageText(p) };
}
