import { type FieldError, fieldPath } from './errors';

type Path = (string | number)[];

export const NUL_CHARACTER_MESSAGE = 'must not contain the NUL character (U+0000)';
export const LONE_SURROGATE_MESSAGE = 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)';

/** Why PostgreSQL could not store this string, or undefined when it can. */
function unstorableReason(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_CHARACTER_MESSAGE;
  if (!text.isWellFormed()) return LONE_SURROGATE_MESSAGE;
  return undefined;
}

interface Visit {
  value: unknown;
  key?: string | number;
  parent?: Visit;
}

/**
 * The strings in a value (keys included) that no PostgreSQL text or jsonb value can store:
 * U+0000, and lone surrogates, which json refuses and text turns into U+FFFD. Left to the
 * database, one such string fails the whole statement. The walk keeps its own stack and builds
 * a path only for what it finds, so no nesting depth can overflow the call stack.
 */
export function unstorableStrings(value: unknown): { path: Path; message: string }[] {
  const found: { path: Path; message: string }[] = [];
  const stack: Visit[] = [{ value }];
  const report = (visit: Visit, message: string) => found.push({ path: pathOf(visit), message });
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const item = visit.value;
    if (typeof item === 'string') {
      const message = unstorableReason(item);
      if (message) report(visit, message);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push({ value: item[i], key: i, parent: visit });
    } else if (item !== null && typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) {
      for (const [key, child] of Object.entries(item).reverse()) {
        const entry: Visit = { value: child, key, parent: visit };
        const message = unstorableReason(key);
        if (message) report(entry, `(field name) ${message}`);
        stack.push(entry);
      }
    }
  }
  return found;
}

function pathOf(visit: Visit): Path {
  const path: Path = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) path.push(at.key!);
  return path.reverse();
}

/** The same, as problem+json field errors. */
export function unstorableStringErrors(value: unknown): FieldError[] {
  return unstorableStrings(value).map(({ path, message }) => ({ ...fieldPath(path), message }));
}
