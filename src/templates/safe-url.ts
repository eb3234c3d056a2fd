/** Links in emails: only absolute http(s) URLs, normalised by the WHATWG URL parser. */

export class UnsafeUrlError extends Error {
  constructor(what: string) {
    super(`${what} must be an absolute http(s) URL`);
    this.name = 'UnsafeUrlError';
  }
}

function parseHttpUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

// A digest run renders the same event and source links for many recipients: remember answers.
const checked = new Map<string, string | undefined>();

/** The normalised URL (quotes and spaces percent-encoded), or undefined if not http(s). */
export function safeHttpUrl(value: string | undefined | null): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (checked.has(value)) return checked.get(value);
  const url = parseHttpUrl(value);
  if (checked.size >= 20_000) checked.clear();
  checked.set(value, url);
  return url;
}

/** For links the email cannot do without (confirm, manage, unsubscribe, ...): throws if unsafe. */
export function requireHttpUrl(value: string, what: string): string {
  const url = safeHttpUrl(value);
  if (url === undefined) throw new UnsafeUrlError(what);
  return url;
}
