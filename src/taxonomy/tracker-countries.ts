/**
 * The 173 countries the Democracy Tracker follows, as the tracker itself writes them: the
 * name on its pages and the slug in its URLs (`/democracytracker/country/<slug>`,
 * `/democracytracker/report/<slug>/<month>-<year>`). Slugs are IDEA's own: the name in
 * lower-case ASCII with "of" and "the" dropped (`republic-korea`, `united-states-america`);
 * the few that are not are marked in `slugExceptions`. Extra names the pages use follow the
 * slug. Row order: ISO 3166-1 alpha-3 code, name, slug, other names.
 */
const rows: readonly (readonly [string, string, string, ...string[]])[] = [
  ['AFG', 'Afghanistan', 'afghanistan'],
  ['ALB', 'Albania', 'albania'],
  ['DZA', 'Algeria', 'algeria'],
  ['AGO', 'Angola', 'angola'],
  ['ARG', 'Argentina', 'argentina'],
  ['ARM', 'Armenia', 'armenia'],
  ['AUS', 'Australia', 'australia'],
  ['AUT', 'Austria', 'austria'],
  ['AZE', 'Azerbaijan', 'azerbaijan'],
  ['BHS', 'Bahamas', 'bahamas', 'The Bahamas'],
  ['BHR', 'Bahrain', 'bahrain'],
  ['BGD', 'Bangladesh', 'bangladesh'],
  ['BLR', 'Belarus', 'belarus'],
  ['BEL', 'Belgium', 'belgium'],
  ['BLZ', 'Belize', 'belize'],
  ['BEN', 'Benin', 'benin'],
  ['BTN', 'Bhutan', 'bhutan'],
  ['BOL', 'Bolivia', 'bolivia', 'Plurinational State of Bolivia'],
  ['BIH', 'Bosnia and Herzegovina', 'bosnia-and-herzegovina'],
  ['BWA', 'Botswana', 'botswana'],
  ['BRA', 'Brazil', 'brazil'],
  ['BRN', 'Brunei Darussalam', 'brunei-darussalam', 'Brunei'],
  ['BGR', 'Bulgaria', 'bulgaria'],
  ['BFA', 'Burkina Faso', 'burkina-faso'],
  ['BDI', 'Burundi', 'burundi'],
  ['CPV', 'Cabo Verde', 'cabo-verde', 'Cape Verde'],
  ['KHM', 'Cambodia', 'cambodia'],
  ['CMR', 'Cameroon', 'cameroon'],
  ['CAN', 'Canada', 'canada'],
  ['CAF', 'Central African Republic', 'central-african-republic'],
  ['TCD', 'Chad', 'chad'],
  ['CHL', 'Chile', 'chile'],
  ['CHN', 'China', 'china'],
  ['COL', 'Colombia', 'colombia'],
  ['COM', 'Comoros', 'comoros'],
  ['COG', 'Republic of the Congo', 'republic-congo', 'Congo'],
  ['CRI', 'Costa Rica', 'costa-rica'],
  ['CIV', "Côte d'Ivoire", 'cote-divoire', 'Ivory Coast'],
  ['HRV', 'Croatia', 'croatia'],
  ['CUB', 'Cuba', 'cuba'],
  ['CYP', 'Cyprus', 'cyprus'],
  ['CZE', 'Czechia', 'czechia', 'Czech Republic'],
  ['PRK', "Democratic People's Republic of Korea", 'democratic-peoples-republic-korea', 'North Korea'],
  ['COD', 'Democratic Republic of the Congo', 'democratic-republic-congo', 'DRC', 'DR Congo'],
  ['DNK', 'Denmark', 'denmark'],
  ['DJI', 'Djibouti', 'djibouti'],
  ['DOM', 'Dominican Republic', 'dominican-republic'],
  ['ECU', 'Ecuador', 'ecuador'],
  ['EGY', 'Egypt', 'egypt'],
  ['SLV', 'El Salvador', 'el-salvador'],
  ['GNQ', 'Equatorial Guinea', 'equatorial-guinea'],
  ['ERI', 'Eritrea', 'eritrea'],
  ['EST', 'Estonia', 'estonia'],
  ['SWZ', 'Eswatini', 'eswatini', 'Swaziland'],
  ['ETH', 'Ethiopia', 'ethiopia'],
  ['FJI', 'Fiji', 'fiji'],
  ['FIN', 'Finland', 'finland'],
  ['FRA', 'France', 'france'],
  ['GAB', 'Gabon', 'gabon'],
  ['GMB', 'Gambia', 'gambia', 'The Gambia'],
  ['GEO', 'Georgia', 'georgia'],
  ['DEU', 'Germany', 'germany'],
  ['GHA', 'Ghana', 'ghana'],
  ['GRC', 'Greece', 'greece'],
  ['GTM', 'Guatemala', 'guatemala'],
  ['GIN', 'Guinea', 'guinea'],
  ['GNB', 'Guinea-Bissau', 'guinea-bissau'],
  ['GUY', 'Guyana', 'guyana'],
  ['HTI', 'Haiti', 'haiti'],
  ['HND', 'Honduras', 'honduras'],
  ['HUN', 'Hungary', 'hungary'],
  ['ISL', 'Iceland', 'iceland'],
  ['IND', 'India', 'india'],
  ['IDN', 'Indonesia', 'indonesia'],
  ['IRN', 'Iran', 'iran', 'Islamic Republic of Iran'],
  ['IRQ', 'Iraq', 'iraq'],
  ['IRL', 'Ireland', 'ireland'],
  ['ISR', 'Israel', 'israel'],
  ['ITA', 'Italy', 'italy'],
  ['JAM', 'Jamaica', 'jamaica'],
  ['JPN', 'Japan', 'japan'],
  ['JOR', 'Jordan', 'jordan'],
  ['KAZ', 'Kazakhstan', 'kazakhstan'],
  ['KEN', 'Kenya', 'kenya'],
  ['KWT', 'Kuwait', 'kuwait'],
  ['KGZ', 'Kyrgyzstan', 'kyrgyzstan', 'Kyrgyz Republic'],
  ['LAO', 'Laos', 'laos', "Lao People's Democratic Republic", 'Lao PDR'],
  ['LVA', 'Latvia', 'latvia'],
  ['LBN', 'Lebanon', 'lebanon'],
  ['LSO', 'Lesotho', 'lesotho'],
  ['LBR', 'Liberia', 'liberia'],
  ['LBY', 'Libya', 'libya'],
  ['LTU', 'Lithuania', 'lithuania'],
  ['LUX', 'Luxembourg', 'luxembourg'],
  ['MDG', 'Madagascar', 'madagascar'],
  ['MWI', 'Malawi', 'malawi'],
  ['MYS', 'Malaysia', 'malaysia'],
  ['MDV', 'Maldives', 'maldives'],
  ['MLI', 'Mali', 'mali'],
  ['MLT', 'Malta', 'malta'],
  ['MRT', 'Mauritania', 'mauritania'],
  ['MUS', 'Mauritius', 'mauritius'],
  ['MEX', 'Mexico', 'mexico'],
  ['MDA', 'Moldova', 'moldova', 'Republic of Moldova'],
  ['MNG', 'Mongolia', 'mongolia'],
  ['MNE', 'Montenegro', 'montenegro'],
  ['MAR', 'Morocco', 'morocco'],
  ['MOZ', 'Mozambique', 'mozambique'],
  ['MMR', 'Myanmar', 'myanmar', 'Burma'],
  ['NAM', 'Namibia', 'namibia'],
  ['NPL', 'Nepal', 'nepal'],
  ['NLD', 'Netherlands', 'netherlands', 'The Netherlands'],
  ['NZL', 'New Zealand', 'new-zealand'],
  ['NIC', 'Nicaragua', 'nicaragua'],
  ['NER', 'Niger', 'niger'],
  ['NGA', 'Nigeria', 'nigeria'],
  ['MKD', 'North Macedonia', 'north-macedonia'],
  ['NOR', 'Norway', 'norway'],
  ['OMN', 'Oman', 'oman'],
  ['PAK', 'Pakistan', 'pakistan'],
  ['PSE', 'Palestine', 'palestine', 'State of Palestine'],
  ['PAN', 'Panama', 'panama'],
  ['PNG', 'Papua New Guinea', 'papua-new-guinea'],
  ['PRY', 'Paraguay', 'paraguay'],
  ['PER', 'Peru', 'peru'],
  ['PHL', 'Philippines', 'philippines'],
  ['POL', 'Poland', 'poland'],
  ['PRT', 'Portugal', 'portugal'],
  ['QAT', 'Qatar', 'qatar'],
  ['KOR', 'Republic of Korea', 'republic-korea', 'South Korea'],
  ['ROU', 'Romania', 'romania'],
  ['RUS', 'Russian Federation', 'russian-federation', 'Russia'],
  ['RWA', 'Rwanda', 'rwanda'],
  ['SAU', 'Saudi Arabia', 'saudi-arabia'],
  ['SEN', 'Senegal', 'senegal'],
  ['SRB', 'Serbia', 'serbia'],
  ['SLE', 'Sierra Leone', 'sierra-leone'],
  ['SGP', 'Singapore', 'singapore'],
  ['SVK', 'Slovakia', 'slovakia'],
  ['SVN', 'Slovenia', 'slovenia'],
  ['SLB', 'Solomon Islands', 'solomon-islands'],
  ['SOM', 'Somalia', 'somalia'],
  ['ZAF', 'South Africa', 'south-africa'],
  ['SSD', 'South Sudan', 'south-sudan'],
  ['ESP', 'Spain', 'spain'],
  ['LKA', 'Sri Lanka', 'sri-lanka'],
  ['SDN', 'Sudan', 'sudan'],
  ['SUR', 'Suriname', 'suriname'],
  ['SWE', 'Sweden', 'sweden'],
  ['CHE', 'Switzerland', 'switzerland'],
  ['SYR', 'Syria', 'syria', 'Syrian Arab Republic'],
  ['TWN', 'Taiwan', 'taiwan'],
  ['TJK', 'Tajikistan', 'tajikistan'],
  ['TZA', 'Tanzania', 'tanzania', 'United Republic of Tanzania'],
  ['THA', 'Thailand', 'thailand'],
  ['TLS', 'Timor-Leste', 'timor-leste', 'East Timor'],
  ['TGO', 'Togo', 'togo'],
  ['TTO', 'Trinidad and Tobago', 'trinidad-and-tobago'],
  ['TUN', 'Tunisia', 'tunisia'],
  ['TUR', 'Türkiye', 'turkiye', 'Turkey'],
  ['TKM', 'Turkmenistan', 'turkmenistan'],
  ['UGA', 'Uganda', 'uganda'],
  ['UKR', 'Ukraine', 'ukraine'],
  ['ARE', 'United Arab Emirates', 'united-arab-emirates', 'UAE'],
  ['GBR', 'UK', 'united-kingdom', 'United Kingdom'],
  ['USA', 'United States of America', 'united-states-america', 'USA', 'United States'],
  ['URY', 'Uruguay', 'uruguay'],
  ['UZB', 'Uzbekistan', 'uzbekistan'],
  ['VEN', 'Venezuela', 'venezuela', 'Bolivarian Republic of Venezuela'],
  ['VNM', 'Viet Nam', 'viet-nam', 'Vietnam'],
  ['YEM', 'Yemen', 'yemen'],
  ['ZMB', 'Zambia', 'zambia'],
  ['ZWE', 'Zimbabwe', 'zimbabwe'],
];

/** Slugs that are not the name by the rule above: the tracker writes the short name, the URL the long one. */
export const slugExceptions: ReadonlyMap<string, string> = new Map([['GBR', 'united-kingdom']]);

export interface TrackerCountry {
  /** ISO 3166-1 alpha-3, as stored. */
  id: string;
  name: string;
  slug: string;
  otherNames: readonly string[];
}

export const trackerCountries: readonly TrackerCountry[] = rows.map(([id, name, slug, ...otherNames]) => ({ id, name, slug, otherNames }));

const bySlug = new Map(trackerCountries.map((c) => [c.slug, c]));
const byId = new Map(trackerCountries.map((c) => [c.id, c]));
const byName = new Map<string, TrackerCountry>();
for (const c of trackerCountries) for (const name of [c.name, ...c.otherNames]) byName.set(nameKey(name), c);

/** A name as the tracker writes it, in any case, accents and apostrophes as typed ("Cote d’Ivoire"). */
export function findTrackerCountryByName(name: string): TrackerCountry | undefined {
  return byName.get(nameKey(name));
}

export function findTrackerCountryBySlug(slug: string): TrackerCountry | undefined {
  return bySlug.get(slug.toLowerCase());
}

export function findTrackerCountry(id: string): TrackerCountry | undefined {
  return byId.get(id);
}

/** The slug IDEA's site gives a name: lower-case ASCII words, apostrophes dropped, "of" and "the" left out. */
export function trackerSlugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’‘ʼ`]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((word) => word && word !== 'of' && word !== 'the')
    .join('-');
}

function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’‘ʼ`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
