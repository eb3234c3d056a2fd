import { fieldPath, type FieldError } from './errors';

/**
 * The paths of the strings in a value that hold U+0000, which no PostgreSQL text or jsonb
 * value can store: left to the database, such a string fails the whole statement.
 */
export function nulCharacterPaths(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulCharacterPaths(item, [...path, i], out));
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) nulCharacterPaths(item, [...path, key], out);
  }
  return out;
}

export const NUL_CHARACTER_MESSAGE = 'must not contain the NUL character (U+0000)';

/** The same, as problem+json field errors. */
export function nulCharacterErrors(value: unknown): FieldError[] {
  return nulCharacterPaths(value).map((path) => ({ ...fieldPath(path), message: NUL_CHARACTER_MESSAGE }));
}
