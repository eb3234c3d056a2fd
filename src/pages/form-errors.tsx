/** @jsxImportSource hono/jsx */
import type { ZodError } from 'zod';
import { formatNumber, type Language, messagesFor } from '../i18n';

/** The fields of the sign-up and preference forms, in page order. */
export const formFields = ['email', 'language', 'countries', 'regions', 'categories', 'frequency', 'timezone', 'skipEmpty'] as const;
export type FormField = (typeof formFields)[number];
export type FieldErrors = Partial<Record<FormField, string>>;

/** The element each field's error points at: regions are chosen inside the countries group. */
const anchorOf: Record<FormField, string> = {
  email: 'email',
  language: 'language',
  countries: 'countries',
  regions: 'countries',
  categories: 'categories',
  frequency: 'frequency',
  timezone: 'timezone',
  skipEmpty: 'skipEmpty',
};

const quoted = (value: unknown) => (typeof value === 'string' && value.trim() ? `“${value.trim().slice(0, 60)}” ` : '');

/** What went wrong, in words a reader understands (in their language), given what they typed. */
function inWords(field: FormField, typed: unknown, language: Language): string {
  const e = messagesFor(language).errors;
  switch (field) {
    case 'email':
      return typeof typed === 'string' && typed.trim() ? e.emailMalformed : e.emailMissing;
    case 'language':
      return e.language(quoted(typed));
    case 'countries':
      return e.countries(quoted(typed));
    case 'regions':
      return e.regions(quoted(typed));
    case 'categories':
      return e.categories(quoted(typed));
    case 'frequency':
      return e.frequency;
    case 'timezone':
      return e.timezone(quoted(typed));
    case 'skipEmpty':
      return e.skipEmpty;
  }
}

/** The first problem of each field, in words; `typed` is the form as posted (for quoting it back). */
export function fieldErrorsOf(error: ZodError, typed: Record<string, unknown>, language: Language): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    if (!formFields.includes(field as FormField) || errors[field as FormField]) continue;
    const value = typed[field as string];
    const item = Array.isArray(value) && typeof index === 'number' ? value[index] : value;
    errors[field as FormField] = inWords(field as FormField, item, language);
  }
  return errors;
}

export const errorId = (field: FormField) => `${field}-error`;

/**
 * ARIA for a control (or group) that may have an error: `aria-invalid` and `aria-describedby`
 * naming its hint (if any) and its error message.
 */
export function describedBy(errors: FieldErrors | undefined, field: FormField, hintId?: string) {
  const invalid = errors?.[field] !== undefined;
  const ids = [hintId, invalid ? errorId(field) : undefined].filter(Boolean).join(' ');
  return {
    ...(invalid ? { 'aria-invalid': 'true' as const } : {}),
    ...(ids ? { 'aria-describedby': ids } : {}),
  };
}

/** The error of one field, in words, beside it. */
export function FieldError({ errors, field, lang }: { errors?: FieldErrors | undefined; field: FormField; lang: Language }) {
  const message = errors?.[field];
  if (message === undefined) return null;
  return (
    <p class="field-error" id={errorId(field)}>
      <span class="visually-hidden">{messagesFor(lang).errors.prefix}</span>
      {message}
    </p>
  );
}

/** Above the form: how many problems, each a link to its field (the messages also sit beside the fields). */
export function ErrorSummary({ errors, lang }: { errors?: FieldErrors | undefined; lang: Language }) {
  const fields = formFields.filter((f) => errors?.[f] !== undefined);
  const t = messagesFor(lang).errors;
  if (!fields.length) return null;
  return (
    <div class="notice error" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{fields.length === 1 ? t.one : t.many(formatNumber(fields.length, lang))}</h2>
      <ul class="errors">
        {fields.map((f) => (
          <li>
            <a href={`#${anchorOf[f]}`}>{errors?.[f]}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
