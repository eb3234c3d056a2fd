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

/** Safe in element text and in quoted attribute values (the only places templates use). */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => htmlEscapes[ch]!);
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
