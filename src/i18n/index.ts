import esCountries from 'i18n-iso-countries/langs/es.json' with { type: 'json' };
import frCountries from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import { type Language, languages } from '../db/database';
import type { Country } from '../taxonomy/countries';
import { en, type Messages } from './en';
import { es } from './es';
import { fr } from './fr';

export type { Messages };
export { type Language, languages };

const catalogues: Record<Language, Messages> = { en, es, fr };

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (languages as readonly string[]).includes(value);

export const messagesFor = (language: Language): Messages => catalogues[language];

/** Country names in Spanish and French from the maintained i18n-iso-countries dataset; English keeps the names our emails always used. */
const countryNames: Record<Exclude<Language, 'en'>, Record<string, string | string[]>> = {
  es: esCountries.countries,
  fr: frCountries.countries,
};

export function countryName(country: Pick<Country, 'alpha2' | 'name'>, language: Language): string {
  if (language === 'en') return country.name;
  const name = countryNames[language][country.alpha2];
  return (Array.isArray(name) ? name[0] : name) ?? country.name;
}

// Made once per language: building an Intl formatter costs far more than formatting with it
// (one per number made a digest tick 1.4x slower).
const numberFormats = perLanguage((language) => new Intl.NumberFormat(language));
const listFormats = perLanguage((language) => new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }));

/** One value per language, made at start-up. */
export function perLanguage<T>(make: (language: Language) => T): Record<Language, T> {
  return Object.fromEntries(languages.map((language) => [language, make(language)])) as Record<Language, T>;
}

/** 1,234 / 1.234 / 1 234, as the language writes numbers. */
export const formatNumber = (value: number, language: Language) => numberFormats[language].format(value);

/** "a, b and c" / "a, b y c" / "a, b et c". */
export const formatList = (items: readonly string[], language: Language) => listFormats[language].format(items);

/** The best of our languages for an Accept-Language header (q-values honoured, regional variants count for their language). */
export function preferredLanguage(accepted: readonly { type: string; q: number }[], fallback: Language = 'en'): Language {
  const ranked = [...accepted].filter((a) => a.q > 0).sort((a, b) => b.q - a.q);
  for (const { type } of ranked) {
    const primary = type.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return fallback;
}

/** "Label:" as the language writes it (French puts a no-break space before the colon). */
export const withColon = (label: string, language: Language) => (language === 'fr' ? `${label}\u00a0:` : `${label}:`);

/** A region's name ("Europa"); the stored value is the English one. */
export const regionName = (region: string, language: Language) =>
  catalogues[language].regions[region as keyof Messages['regions']] ?? region;

/** A category's name ("Estado de derecho"). */
export const categoryName = (id: string, language: Language) => catalogues[language].categories[id as keyof Messages['categories']] ?? id;

const languageNames = new Map<Language, Intl.DisplayNames>();

/**
 * A report's language (a BCP 47 primary subtag) when it is not the reader's: the tag, for `lang`,
 * and "In Spanish" / "En español" / "En espagnol" in the reader's words. Undefined when it is the
 * reader's language, is not a primary subtag (models are stored JSON, read back as given) or
 * names no language Intl knows.
 */
export function reportLanguage(tag: unknown, reader: Language): { tag: string; note: string } | undefined {
  if (typeof tag !== 'string' || tag === reader || !/^[a-z]{2,3}$/.test(tag)) return undefined;
  let names = languageNames.get(reader);
  if (!names) {
    names = new Intl.DisplayNames([reader], { type: 'language', fallback: 'none' });
    languageNames.set(reader, names);
  }
  const name = names.of(tag);
  return name ? { tag, note: catalogues[reader].reportLanguage(name) } : undefined;
}
