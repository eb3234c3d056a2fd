import { createHash } from 'node:crypto';
import type { EventFields, NormalisedEvent } from '../db/event-fields';
import { categoryIds, categoryOfFactor, isCategoryId, isFactorId } from '../taxonomy/categories';
import { findCountry } from '../taxonomy/countries';
import { unstorableStrings } from '../unstorable-strings';
import { z } from '../zod';

/** The event shape of the contract, as sources give it and `POST /v1/admin/events` accepts it. */

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((value) => /^https?:\/\//i.test(value), { message: 'must be an http(s) URL' });

export const eventIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:~-]*$/, { message: 'may hold only letters, digits and . _ : ~ -' });

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** A BCP 47 tag's primary language subtag (`es-MX` -> `es`), when it names a language CLDR knows; else undefined. */
export function primaryLanguage(tag: string): string | undefined {
  try {
    const language = new Intl.Locale(Intl.getCanonicalLocales(tag)[0]!).language;
    return language && languageNames.of(language) !== undefined ? language : undefined;
  } catch {
    return undefined;
  }
}

/** The language a source gives for an event's report; stored as its primary subtag. */
export const eventLanguageSchema = z
  .string()
  .trim()
  .max(64)
  .transform((tag, ctx) => {
    const language = primaryLanguage(tag);
    if (language === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as es or es-MX, naming a known language' });
      return z.NEVER;
    }
    return language;
  });

export const eventInputSchema = z
  .strictObject({
    id: eventIdSchema.describe("The source's stable id; the same id with other content is an update."),
    country: z
      .string()
      .transform((value) => value.trim().toUpperCase())
      .refine((value) => findCountry(value) !== undefined, {
        message: 'unknown country: use an ISO 3166-1 alpha-3 code such as KAZ',
      })
      .describe('ISO 3166-1 alpha-3 code'),
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a month like 2025-01' }),
    title: z.string().trim().min(1).max(500),
    body: z.string().max(100_000).default(''),
    categories: z
      .array(z.string().refine(isCategoryId, { message: `unknown category: use one of ${categoryIds.join(', ')}` }))
      .max(10)
      .default([]),
    factors: z
      .array(z.string().refine(isFactorId, { message: 'unknown factor: see GET /v1/categories' }))
      .max(40)
      .default([]),
    watchFlag: z.boolean().default(false),
    updates: z
      .array(
        z.strictObject({
          text: z.string().trim().min(1).max(20_000),
          date: z
            .string()
            .regex(/^\d{4}-\d{2}(-\d{2})?$/, { message: 'must be a date like 2024-08 or 2024-08-01' })
            .optional(),
        }),
      )
      .max(50)
      .default([]),
    sources: z
      .array(z.strictObject({ name: z.string().trim().min(1).max(300), url: httpUrl.optional() }))
      .max(100)
      .default([]),
    url: httpUrl.optional(),
    language: eventLanguageSchema
      .optional()
      .describe("The report's language (BCP 47, e.g. es), when the source gives it; stored as its primary subtag (es-MX -> es)."),
  })
  .superRefine((event, ctx) => {
    // A source's event with U+0000 or a lone surrogate is skipped like any other invalid one, instead of failing
    // the whole source's transaction in PostgreSQL.
    for (const { path, message } of unstorableStrings(event)) ctx.addIssue({ code: 'custom', path, message });
  });

export type EventInput = z.input<typeof eventInputSchema>;
export type ParsedEvent = z.output<typeof eventInputSchema>;

export const eventFieldNames = [
  'country',
  'month',
  'title',
  'body',
  'categories',
  'factors',
  'watchFlag',
  'updates',
  'sources',
  'url',
  'language',
] as const satisfies readonly (keyof EventFields)[];

const text = (value: string) => value.normalize('NFC').replace(/\r\n?/g, '\n').trim();
const line = (value: string) => text(value).replace(/\s+/g, ' ');

/**
 * One canonical form per meaning, so formatting noise is not a change: NFC text, trimmed,
 * categories implied by factors added, both sorted in taxonomy order without repeats.
 */
export function normaliseEvent(event: ParsedEvent): NormalisedEvent {
  const factors = [...new Set(event.factors)].sort();
  const categories = new Set<string>(event.categories);
  for (const factor of factors) {
    const parent = categoryOfFactor(factor);
    if (parent) categories.add(parent);
  }
  return {
    id: event.id,
    country: event.country,
    month: event.month,
    title: line(event.title),
    body: text(event.body),
    categories: categoryIds.filter((id) => categories.has(id)),
    factors,
    watchFlag: event.watchFlag,
    updates: event.updates.map((u) => (u.date ? { text: text(u.text), date: u.date } : { text: text(u.text) })),
    sources: event.sources.map((s) => (s.url ? { name: line(s.name), url: s.url } : { name: line(s.name) })),
    url: event.url ?? null,
    language: event.language ?? null,
  };
}

/** JSON with object keys sorted, so the same value always gives the same text (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * A hash of the normalised fields: equal hashes mean nothing a reader sees has changed. A language
 * counts only when set, so events stored before sources gave one keep their hashes.
 */
export function contentHash(event: EventFields): string {
  const names = event.language === null ? eventFieldNames.filter((name) => name !== 'language') : eventFieldNames;
  const canonical = canonicalJson(names.map((name) => event[name]));
  return createHash('sha256').update(canonical).digest('base64url');
}
