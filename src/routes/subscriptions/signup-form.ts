import type { Language } from '../../i18n';
import { type FieldErrors, fieldErrorsOf } from '../../pages/form-errors';
import { typedPreferences } from '../../pages/preference-fields';
import type { Preferences } from '../../subscribers/preferences';
import { SubscriptionRequestSchema } from './schema';

/**
 * The sign-up form as typed (the post, or its draft after the redirect): what to show again,
 * and its errors, in the language the reader chose in the form if that one is valid, else `fallback`.
 */
export function signupFormState(typed: Record<string, unknown>, fallback: Language) {
  const parsed = SubscriptionRequestSchema.safeParse(typed);
  const value = typedPreferences(typed);
  const lang = value.language ?? fallback;
  const shown: { lang: Language; email: string; value: Preferences; errors?: FieldErrors } = {
    lang,
    email: typeof typed.email === 'string' ? typed.email : '',
    value,
    ...(parsed.success ? {} : { errors: fieldErrorsOf(parsed.error, typed, lang) }),
  };
  return { parsed, shown };
}
