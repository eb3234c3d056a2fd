/** @jsxImportSource hono/jsx */
import type { ZodError } from 'zod';

/** The fields of the sign-up and preference forms, in page order. */
export const formFields = ['email', 'countries', 'regions', 'categories', 'frequency', 'timezone', 'skipEmpty'] as const;
export type FormField = (typeof formFields)[number];
export type FieldErrors = Partial<Record<FormField, string>>;

/** The element each field's error points at: regions are chosen inside the countries group. */
const anchorOf: Record<FormField, string> = {
  email: 'email',
  countries: 'countries',
  regions: 'countries',
  categories: 'categories',
  frequency: 'frequency',
  timezone: 'timezone',
  skipEmpty: 'skipEmpty',
};

const quoted = (value: unknown) => (typeof value === 'string' && value.trim() ? `“${value.trim().slice(0, 60)}” ` : '');

/** What went wrong, in words a reader understands, given what they typed. */
const inWords: Record<FormField, (typed: unknown) => string> = {
  email: (typed) =>
    typeof typed === 'string' && typed.trim()
      ? 'Enter your email address in the form name@example.org.'
      : 'Enter your email address: we send the confirmation link to it.',
  countries: (typed) => `${quoted(typed)}is not a country in our list. Choose countries from the list.`,
  regions: (typed) => `${quoted(typed)}is not a region in our list. Choose regions from the list.`,
  categories: (typed) => `${quoted(typed)}is not a category we send. Choose categories from the list.`,
  frequency: () => 'Choose how often: monthly or weekly.',
  timezone: (typed) => `${quoted(typed)}is not a time zone we know. Type a name such as Europe/Berlin or Asia/Almaty.`,
  skipEmpty: () => 'Tick the box or leave it empty.',
};

/** The first problem of each field, in words; `typed` is the form as posted (for quoting it back). */
export function fieldErrorsOf(error: ZodError, typed: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    if (!formFields.includes(field as FormField) || errors[field as FormField]) continue;
    const value = typed[field as string];
    const item = Array.isArray(value) && typeof index === 'number' ? value[index] : value;
    errors[field as FormField] = inWords[field as FormField](item);
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
export function FieldError({ errors, field }: { errors?: FieldErrors | undefined; field: FormField }) {
  const message = errors?.[field];
  if (message === undefined) return null;
  return (
    <p class="field-error" id={errorId(field)}>
      <span class="visually-hidden">Error: </span>
      {message}
    </p>
  );
}

/** Above the form: how many problems, each a link to its field (the messages also sit beside the fields). */
export function ErrorSummary({ errors }: { errors?: FieldErrors | undefined }) {
  const fields = formFields.filter((f) => errors?.[f] !== undefined);
  if (!fields.length) return null;
  return (
    <div class="notice error" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{fields.length === 1 ? 'There is a problem' : `There are ${fields.length} problems`}</h2>
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
