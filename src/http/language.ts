import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { type Language, languages, preferredLanguage } from '../i18n';

/**
 * The language of a page nobody is signed in to: `?lang=` (the language links in the header),
 * else the browser's Accept-Language, parsed by Hono's accepts helper, else English.
 */
export function requestLanguage(c: Context): Language {
  const asked = c.req.query('lang');
  if (asked === 'en' || asked === 'es' || asked === 'fr') return asked;
  return accepts(c, {
    header: 'Accept-Language',
    supports: [...languages],
    default: 'en',
    match: (accepted) => preferredLanguage(accepted),
  }) as Language;
}
