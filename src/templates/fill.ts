/**
 * Fills a precompiled template with a view: logic-less Mustache (values and sections, no
 * code in templates), every `{{value}}` HTML-escaped. Templates are parsed once; templates
 * with unescaped values (`{{{x}}}`, `{{&x}}`) or partials are refused at parse time.
 * Free of Node APIs, so it runs in Workers too.
 */
import Mustache from 'mustache';

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const specialChars = /[&<>"']/g;
const nonAscii = /[^\x00-\x7f]/;

/**
 * Safe in element text and in quoted attribute values (the only places templates use).
 * Non-ASCII characters become numeric references, so filled HTML stays 7-bit ASCII like
 * the compiled templates (see compile.ts): its length is its size in bytes.
 */
export function escapeHtml(value: unknown): string {
  const text = String(value);
  if (!nonAscii.test(text)) return text.replace(specialChars, (ch) => htmlEscapes[ch]!);
  return asciiString(text);
}

/**
 * The escaped text built from char codes: String.fromCharCode makes a one-byte string,
 * where a replace on two-byte input (any "’") would stay two-byte and make V8 copy the
 * whole email as two-byte (10x slower at ~90 KB) when it is flattened for sending.
 */
function asciiString(text: string): string {
  const codes: number[] = [];
  const push = (s: string) => {
    for (let i = 0; i < s.length; i++) codes.push(s.charCodeAt(i));
  };
  // Index by index rather than `for...of`, which makes a string per character.
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + (code - 0xd800) * 0x400 + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0x80) push(`&#${code};`);
    else if (code === 38 || code === 60 || code === 62 || code === 34 || code === 39) push(htmlEscapes[String.fromCharCode(code)]!);
    else codes.push(code);
  }
  let out = '';
  for (let i = 0; i < codes.length; i += 4096) out += String.fromCharCode(...codes.slice(i, i + 4096));
  return out;
}

type Token = [string, string, number, number, Token[]?, ...unknown[]];

function refuseUnescaped(tokens: readonly Token[]): void {
  for (const token of tokens) {
    if (token[0] === '&' || token[0] === '>') {
      throw new Error(`template uses "{{${token[0]}${token[1]}}}": only escaped values and sections are allowed`);
    }
    if (token[4]) refuseUnescaped(token[4]);
  }
}

export type FillTemplate<View> = (view: View) => string;

/** Parses a template once and answers a function that fills it per recipient. */
export function prepareTemplate<View extends object>(template: string): FillTemplate<View> {
  const writer = new Mustache.Writer();
  const tokens = writer.parse(template) as Token[];
  refuseUnescaped(tokens);
  const config = { escape: escapeHtml };
  return (view) => writer.renderTokens(tokens as unknown as string[][], new Mustache.Context(view), undefined, template, config);
}
