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
const nonAsciiAll = /[^\x00-\x7f]/g;

function escapeCodeUnit(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `value` for a JSON body: as it is when ASCII (or without JSON.rawJSON), else an ASCII raw literal. */
export function asciiJsonString(value: string): string | RawJson {
  if (!rawJSON || !nonAscii.test(value)) return value;
  const literal = JSON.stringify(value).replace(nonAsciiAll, escapeCodeUnit);
  // The replace leaves a two-byte string with only ASCII in it; a latin1 round trip makes it one-byte.
  return rawJSON(Buffer.from(literal, 'latin1').toString('latin1'));
}
