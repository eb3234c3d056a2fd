/**
 * Realistic sample models (from the Kazakhstan country page in tests/fixtures) for the
 * template tests, the render benchmark and anyone who wants to look at an email.
 */
import type { AlertChoices, ConfirmEmailModel, DigestCountry, DigestItem, DigestModel, ManageEmailModel } from '../src/templates/models';

const site = 'https://tracker.example.org';
const alerts = 'https://alerts.example.org';

export const sampleChoices: AlertChoices = {
  countries: ['Kazakhstan', 'Georgia', 'Armenia'],
  regions: [],
  categories: ['Rights', 'Representation'],
  frequency: 'monthly',
};

const kazakhstan: DigestItem[] = [
  {
    badge: 'new',
    title: 'Satirist’s arrest signals crackdown on speech',
    url: `${site}/country/KAZ#kaz-2025-01-satirist-arrest`,
    month: '2025-01',
    categories: ['Rights', 'Civil Liberties'],
    excerpt:
      'Police raided the Almaty home of humorist Temirlan Yensebek on 17 January, apparently as part of an investigation into a song published on his satirical Instagram channel, QazNews24, in April 2024. Yensebek is charged with inciting ethnic hatred and faces up to seven years in jail.',
    sources: [
      { name: 'Eurasianet', url: 'https://eurasianet.org/' },
      { name: 'Factcheck.kz', url: 'https://factcheck.kz/' },
      { name: 'Havli' },
    ],
  },
  {
    badge: 'new',
    title: 'Constitutional court’s ruling yields a small win for freedom of association',
    url: `${site}/country/KAZ#kaz-2025-01-court-ruling-assembly`,
    month: '2025-01',
    categories: ['Rights', 'Civil Liberties', 'Rule of Law'],
    excerpt:
      'A Constitutional Court ruling on 21 January provided a small expansion of the freedom of association while otherwise disappointing petitioners’ hopes of overturning a law which grants local authorities broad powers to refuse permits for peaceful assemblies.',
    sources: [
      { name: 'Radio Azattyq', url: 'https://www.azattyq.org/' },
      { name: 'Kursiv', url: 'https://kz.kursiv.media/' },
    ],
  },
  {
    badge: 'updated',
    title: 'New media law worries journalists, advocates',
    url: `${site}/country/KAZ#kaz-2024-06-media-law`,
    month: '2024-06',
    categories: ['Rights', 'Civil Liberties'],
    excerpt:
      'A new media bill signed into law on 19 June has been criticized by journalists and civil society for ambiguity and some restrictive provisions that they say will further restrict media freedom in the country.',
    updateText: 'the law went into force in August 2024 and two violations carry a penalty of a loss of accreditation for six months.',
    changedFields: ['updates', 'sources'],
    sources: [
      { name: 'Human Rights Watch', url: 'https://www.hrw.org/' },
      { name: 'Radio Free Europe/Radio Liberty', url: 'https://www.rferl.org/' },
      { name: 'Voice of America', url: 'https://www.voanews.com/' },
    ],
  },
  {
    badge: 'watch_flag_raised',
    title: 'Draft bill targets foreign correspondents',
    url: `${site}/country/KAZ#kaz-2024-01-foreign-correspondents`,
    month: '2024-01',
    categories: ['Rights', 'Civil Liberties'],
    excerpt:
      'Draft legislation introduced on 25 January would allow the Foreign Ministry to refuse foreign correspondents accreditation on undefined ‘national security’ grounds and introduce onerous registration requirements for online media.',
    sources: [
      { name: 'Radio Free Europe/Radio Liberty', url: 'https://www.rferl.org/' },
      { name: 'International Press Institute', url: 'https://ipi.media/' },
    ],
  },
];

const georgia: DigestItem[] = [
  {
    badge: 'new',
    title: 'Parliament adopts amendments to the broadcasting law',
    url: `${site}/country/GEO#geo-2025-01-broadcasting`,
    month: '2025-01',
    categories: ['Rights', 'Civil Liberties'],
    excerpt:
      'Amendments adopted in a third reading extend the regulator’s powers over broadcasters’ content; media organisations say the changes could be used against critical outlets ahead of local elections.',
    sources: [{ name: 'Civil.ge', url: 'https://civil.ge/' }],
  },
  {
    badge: 'updated',
    title: 'Opposition parties boycott the new parliament',
    url: `${site}/country/GEO#geo-2024-11-boycott`,
    month: '2024-11',
    categories: ['Representation', 'Effective Parliament'],
    excerpt:
      'Several opposition parties refused to take up their mandates after the October elections, citing irregularities documented by domestic and international observers.',
    updateText: 'the Constitutional Court rejected the President’s challenge to the election results on 23 December.',
    changedFields: ['updates', 'body'],
    sources: [
      { name: 'OSCE/ODIHR', url: 'https://www.osce.org/odihr' },
      { name: 'Reuters', url: 'https://www.reuters.com/' },
    ],
  },
];

const armenia: DigestItem[] = [
  {
    badge: 'watch_flag_lifted',
    title: 'Draft law on local self-government withdrawn',
    url: `${site}/country/ARM#arm-2024-09-local-government`,
    month: '2024-09',
    categories: ['Representation', 'Local Democracy'],
    excerpt:
      'The government withdrew a draft law that would have allowed the central authorities to dismiss elected community heads, following criticism from the Council of Europe’s Congress of Local and Regional Authorities.',
    sources: [{ name: 'Azatutyun', url: 'https://www.azatutyun.am/' }],
  },
];

const links = {
  manage: `${alerts}/preferences?token=sample-manage-token`,
  unsubscribe: `${alerts}/unsubscribe?token=sample-unsubscribe-token`,
  viewInBrowser: `${alerts}/digests/view?token=sample-view-token`,
  site,
};

export function sampleDigestModel(): DigestModel {
  return {
    period: { label: 'January 2025', start: '2025-01-01T00:00:00Z', end: '2025-02-01T00:00:00Z', timeZone: 'UTC' },
    recipient: { email: 'reader@example.org', choices: sampleChoices },
    countries: [
      { id: 'KAZ', name: 'Kazakhstan', items: kazakhstan },
      { id: 'GEO', name: 'Georgia', items: georgia },
      { id: 'ARM', name: 'Armenia', items: armenia },
    ],
    moreCount: 0,
    links,
  };
}

/** A digest with `items` reports spread over `countries` countries (sample items repeated). */
export function largeDigestModel(items: number, countries = 5): DigestModel {
  const pool = [...kazakhstan, ...georgia, ...armenia];
  const groups: DigestCountry[] = Array.from({ length: countries }, (_, c) => ({
    id: `C${String(c).padStart(2, '0')}`,
    name: `Country ${c + 1}`,
    items: [],
  }));
  for (let i = 0; i < items; i++) {
    const item = pool[i % pool.length]!;
    (groups[i % countries]!.items as DigestItem[]).push({ ...item, title: `${item.title} (${i + 1})`, url: `${item.url}-${i}` });
  }
  return { ...sampleDigestModel(), countries: groups };
}

export function sampleConfirmModel(): ConfirmEmailModel {
  return {
    recipient: { email: 'reader@example.org' },
    choices: { ...sampleChoices, regions: ['Central Asia'] },
    expiresInDays: 7,
    links: { confirm: `${alerts}/confirm?token=sample-confirm-token`, site },
  };
}

export function sampleManageModel(): ManageEmailModel {
  return {
    recipient: { email: 'reader@example.org' },
    choices: sampleChoices,
    links: { manage: links.manage, unsubscribe: links.unsubscribe, site },
  };
}
