/**
 * Request bodies kept one-byte: V8 builds `JSON.stringify` output as a two-byte string as soon
 * as one value holds a character above U+00FF (a "’" or an "ș" in a plain-text part), and a
 * batch of 100 digests then serialises and encodes about twice as slowly (measured in
 * bench/digests.ts). A string with such characters goes into the body as a raw JSON literal
 * (`JSON.rawJSON`) whose non-ASCII characters are `\u` escapes: the same string once parsed,
 * and the same bytes every time it is serialised, so an idempotent retry stays identical.
 */

/** What `JSON.rawJSON` answers: JSON.stringify writes `rawJSON` out as it is. */
export interface RawJson {
  readonly rawJSON: string;
}
const rawJSON = (JSON as unknown as { rawJSON?: (text: string) => RawJson }).rawJSON;
const nonAscii = /[^\x00-\x7f]/;
const hex = '0123456789abcdef';
// Reused between calls (nothing is kept in it): a literal is at most 6 bytes per character, plus quotes.
let scratch = new Uint8Array(1 << 16);

/** `value` for a JSON body: as it is when ASCII (or without JSON.rawJSON), else an ASCII raw literal. */
export function asciiJsonString(value: string): string | RawJson {
  if (!rawJSON || !nonAscii.test(value)) return value;
  return rawJSON(asciiJsonLiteral(value));
}

/** The JSON string literal of `value` in printable ASCII: `"` and `\` escaped, everything else outside 0x20-0x7e as `\uXXXX`. */
export function asciiJsonLiteral(value: string): string {
  if (scratch.length < value.length * 6 + 2) scratch = new Uint8Array(value.length * 6 + 2);
  const out = scratch;
  let n = 0;
  out[n++] = 0x22;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i); // UTF-16 code units: a surrogate pair becomes two escapes, as JSON allows
    if (code >= 0x20 && code < 0x7f) {
      if (code === 0x22 || code === 0x5c) out[n++] = 0x5c;
      out[n++] = code;
    } else {
      out[n++] = 0x5c;
      out[n++] = 0x75;
      out[n++] = hex.charCodeAt(code >> 12);
      out[n++] = hex.charCodeAt((code >> 8) & 15);
      out[n++] = hex.charCodeAt((code >> 4) & 15);
      out[n++] = hex.charCodeAt(code & 15);
    }
  }
  out[n++] = 0x22;
  // Latin-1 of ASCII bytes: a one-byte string.
  return Buffer.from(out.buffer, out.byteOffset, n).toString('latin1');
}
