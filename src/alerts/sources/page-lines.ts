import { Parser } from 'htmlparser2';
import { SourceFormatError } from './errors';

/** Deeper nesting is no page a person reads: a hostile or broken document, refused whole. */
export const MAX_HTML_DEPTH = 1000;

/**
 * A page as block-level lines of text (headings, paragraphs, list items), the one form the
 * tracker page parser reads, whether the page came as HTML or as its plain text.
 */
export interface PageLine {
  text: string;
  links: PageLink[];
  /** 1 to 6 when the line is an HTML heading (h1-h6). */
  heading?: number;
}

export interface PageLink {
  text: string;
  href: string;
}

export function linesFromText(text: string): PageLine[] {
  const lines: PageLine[] = [];
  for (const raw of text.split(/\r\n?|\n/)) {
    const line = collapseSpace(raw);
    if (line) lines.push({ text: line, links: [] });
  }
  return lines;
}

const blockTags = new Set([
  'address',
  'article',
  'blockquote',
  'br',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'li',
  'main',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

const voidTags = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Subtrees that are never report text: metadata, scripts, navigation, sidebars, widgets. */
const ignoredTags = new Set([
  'head',
  'title',
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'canvas',
  'iframe',
  'nav',
  'aside',
  'footer',
  'form',
  'button',
  'select',
]);

/**
 * The lines the country context is read from, beside the report lines: sidebars (`aside`) are
 * kept, and an image's alt text counts as text, as a text rendering of the page shows it. The
 * 6-month trend is a sidebar chart whose trend word is only an icon's alt text
 * ("Representation neutral" before the label "Rights"); report lines never take either.
 */
const contextIgnoredTags = new Set([...ignoredTags].filter((tag) => tag !== 'aside'));

export function linesFromHtml(html: string): PageLine[] {
  return readHtmlPage(html).lines;
}

/** The lines of an HTML page that the country context is read from (see `contextIgnoredTags`). */
export function contextLinesFromHtml(html: string): PageLine[] {
  return readHtmlPage(html).contextLines;
}

/**
 * Parses HTML with htmlparser2's streaming tokenizer (no DOM is built: pages only need lines).
 * `cutOff` is true when elements were still open at the end of the document: a page cut off in
 * transit, whose last line may be incomplete. `contextLines` come from the same pass.
 */
export function readHtmlPage(html: string): { lines: PageLine[]; contextLines: PageLine[]; cutOff: boolean; lang?: string } {
  let lang: string | undefined;
  const lines: PageLine[] = [];
  const contextLines: PageLine[] = [];
  let contextText = '';
  let contextIgnoredFromDepth: number | undefined;
  let ending = false;
  let cutOff = false;
  let text = '';
  let links: PageLink[] = [];
  let heading: number | undefined;
  let openLink: { href: string; start: number } | undefined;
  let depth = 0;
  let ignoredFromDepth: number | undefined;

  const endLine = () => {
    const line = collapseSpace(text);
    if (line) lines.push(heading ? { text: line, links, heading } : { text: line, links });
    text = '';
    links = [];
    if (openLink) openLink.start = 0;
  };
  const endContextLine = () => {
    const line = collapseSpace(contextText);
    if (line) contextLines.push({ text: line, links: [] });
    contextText = '';
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        depth += 1;
        if (name === 'html' && lang === undefined && attributes.lang) lang = attributes.lang;
        if (depth > MAX_HTML_DEPTH) throw new SourceFormatError(`HTML nested deeper than ${MAX_HTML_DEPTH} elements`);
        if (contextIgnoredFromDepth === undefined) {
          if (blockTags.has(name) || contextIgnoredTags.has(name)) endContextLine();
          if (contextIgnoredTags.has(name)) contextIgnoredFromDepth = depth;
          else if (name === 'img' && attributes.alt) contextText += ` ${attributes.alt} `;
        }
        if (ignoredFromDepth !== undefined) return;
        if (ignoredTags.has(name)) {
          ignoredFromDepth = depth;
          return;
        }
        if (blockTags.has(name)) endLine();
        const level = headingLevel(name);
        if (level) heading = level;
        if (name === 'a' && attributes.href) openLink = { href: attributes.href.trim(), start: text.length };
      },
      ontext(chunk) {
        if (ignoredFromDepth === undefined) text += chunk;
        if (contextIgnoredFromDepth === undefined) contextText += chunk;
      },
      onclosetag(name, isImplied) {
        if (ending && isImplied && !voidTags.has(name)) cutOff = true;
        const closing = depth;
        depth -= 1;
        if (contextIgnoredFromDepth === undefined) {
          if (blockTags.has(name)) endContextLine();
        } else if (closing === contextIgnoredFromDepth) contextIgnoredFromDepth = undefined;
        if (ignoredFromDepth !== undefined) {
          if (closing === ignoredFromDepth) ignoredFromDepth = undefined;
          return;
        }
        if (name === 'a' && openLink) {
          const linkText = collapseSpace(text.slice(openLink.start));
          if (linkText) links.push({ text: linkText, href: openLink.href });
          openLink = undefined;
        }
        if (blockTags.has(name)) {
          endLine();
          if (headingLevel(name)) heading = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  ending = true;
  parser.end();
  endLine();
  endContextLine();
  return { lines, contextLines, cutOff, ...(lang ? { lang } : {}) };
}

function headingLevel(tag: string): number | undefined {
  return tag.length === 2 && tag[0] === 'h' && tag[1]! >= '1' && tag[1]! <= '6' ? Number(tag[1]) : undefined;
}

function collapseSpace(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
