import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Parser } from 'htmlparser2';
import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { compiledModulePath, compileMjml, mjmlOptions, renderCompiledModule, templatesDir } from '../src/templates/compile';
import { compiledTemplates } from '../src/templates/compiled';
import { renderDigestHtml } from '../src/templates/digest-html';
import { keepItems, modelTotals, type PreparedDigest, type PreparedItem, prepareDigest } from '../src/templates/digest-prepare';
import { firstItemLowerBound, itemLowerBound } from '../src/templates/digest-size';
import { prepareTemplate } from '../src/templates/fill';
import {
  type DigestItem,
  type DigestModel,
  renderConfirmEmail,
  renderDigestEmail,
  renderManageEmail,
  UnsafeUrlError,
} from '../src/templates/index';
import { projectRoot } from '../testkit/process';
import { largeDigestModel, sampleConfirmModel, sampleDigestModel, sampleManageModel } from '../testkit/sample-models';

const artifacts = join(projectRoot, 'tests', 'artifacts');
const chromium = '/usr/bin/chromium';
const run = promisify(execFile);

interface ParsedHtml {
  hrefs: string[];
  /** Headings and badge texts in document order, e.g. "h2:Kazakhstan", "h3:Title". */
  outline: string[];
  text: string;
  tags: Set<string>;
  attributes: Set<string>;
  lang: string | undefined;
}

function parseHtml(html: string): ParsedHtml {
  const parsed: ParsedHtml = { hrefs: [], outline: [], text: '', tags: new Set(), attributes: new Set(), lang: undefined };
  let heading: { name: string; text: string } | undefined;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        parsed.tags.add(name);
        for (const attribute of Object.keys(attribs)) parsed.attributes.add(attribute);
        if (name === 'html') parsed.lang = attribs.lang;
        if (name === 'a' && attribs.href !== undefined) parsed.hrefs.push(attribs.href);
        if (/^h[1-3]$/.test(name)) heading = { name, text: '' };
      },
      ontext(text) {
        parsed.text += text;
        if (heading) heading.text += text;
      },
      onclosetag(name) {
        if (heading && name === heading.name) {
          parsed.outline.push(`${name}:${heading.text.trim()}`);
          heading = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return parsed;
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Items in the order the size budget keeps them: every country's first, then every second, ... */
function roundRobinOrder(digest: PreparedDigest): PreparedItem[] {
  const order: PreparedItem[] = [];
  for (let round = 0; digest.countries.some((c) => c.items.length > round); round++) {
    for (const country of digest.countries) if (country.items[round]) order.push(country.items[round]!);
  }
  return order;
}

function writeArtifact(name: string, content: string): string {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, name);
  writeFileSync(file, content);
  return file;
}

describe('compiled templates', () => {
  it('src/templates/compiled.ts is in step with the .mjml sources (else: npx tsx scripts/compile-templates.ts)', async () => {
    const onDisk = readFileSync(compiledModulePath, 'utf8');
    expect(onDisk === (await renderCompiledModule()), 'compiled.ts is stale: run npx tsx scripts/compile-templates.ts').toBe(true);
  });

  it('mjml keeps Mustache placeholders in attributes, text and between sections', async () => {
    const html = await compileMjml(
      `<mjml><mj-body>
        <mj-section><mj-column>
          <mj-button href="{{links.confirm}}">Go</mj-button>
          <mj-text><a href="{{url}}" title="{{title}}">{{name}}</a></mj-text>
        </mj-column></mj-section>
        <mj-raw>{{#items}}</mj-raw><mj-section><mj-column><mj-text>{{title}}</mj-text></mj-column></mj-section><mj-raw>{{/items}}</mj-raw>
      </mj-body></mjml>`,
      join(templatesDir, 'digest.mjml'), // any existing file: only mj-include paths resolve against it
    );
    for (const kept of ['href="{{links.confirm}}"', 'href="{{url}}"', 'title="{{title}}"', '>{{name}}<', '{{#items}}', '{{/items}}']) {
      expect(html).toContain(kept);
    }
    expect(compiledTemplates.digest).toContain('href="{{url}}"');
    expect(compiledTemplates.confirm).toContain('href="{{links.confirm}}"');
    expect(compiledTemplates.manage).toContain('href="{{links.unsubscribe}}"');
  });

  it('loads nothing remote: no images, web fonts, stylesheets or scripts', () => {
    for (const [name, html] of Object.entries(compiledTemplates)) {
      for (const banned of ['<img', '<link', '@import', 'googleapis', '<script', 'url(']) {
        expect(html, `${name} contains ${banned}`).not.toContain(banned);
      }
      // The language is a fill value: one template for every language (tests/email-snapshots-per-language.test.ts fills it).
      expect(html, name).toMatch(/<html lang="\{\{lang\}\}"/);
    }
  });

  it('templates use only escaped values: {{{x}}}, {{&x}} and partials are refused', () => {
    expect(() => prepareTemplate('<p>{{{html}}}</p>')).toThrow(/only escaped values/);
    expect(() => prepareTemplate('<p>{{#a}}{{&html}}{{/a}}</p>')).toThrow(/only escaped values/);
    expect(() => prepareTemplate('<p>{{> partial}}</p>')).toThrow(/only escaped values/);
    for (const html of Object.values(compiledTemplates)) expect(() => prepareTemplate(html)).not.toThrow();
  });

  it('the per-recipient renderers never load mjml or Node built-ins (they run in Workers)', () => {
    const seen = new Set<string>();
    const external: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      // Type-only imports are erased at build time and load nothing.
      for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b(?!\s+type\b)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
        const spec = match[1]!;
        const path = resolve(dirname(file), spec);
        if (spec.startsWith('.')) visit(spec.endsWith('.ts') ? path : existsSync(`${path}.ts`) ? `${path}.ts` : join(path, 'index.ts'));
        else external.push(spec);
      }
    };
    visit(join(templatesDir, 'index.ts'));
    expect(seen.has(compiledModulePath)).toBe(true);
    expect(seen.has(join(templatesDir, 'compile.ts'))).toBe(false);
    // Besides mustache, only country data (JSON): names in Spanish and French, and the ISO table digests name countries from.
    expect([...new Set(external)].sort()).toEqual([
      'i18n-iso-countries/langs/es.json',
      'i18n-iso-countries/langs/fr.json',
      'mustache',
      'world-countries',
    ]);
  });
});

describe('confirmation and manage emails', () => {
  it('confirm: one "Confirm my alerts" button, the choices, an "ignore it" sentence, html and text', () => {
    const email = renderConfirmEmail(sampleConfirmModel());
    const html = parseHtml(email.html);
    const confirm = sampleConfirmModel().links.confirm;
    expect(email.subject).toBe('Confirm your Democracy Tracker alerts');
    expect(html.lang).toBe('en');
    expect(html.hrefs.filter((h) => h === confirm).length).toBeGreaterThanOrEqual(1);
    expect(html.text).toContain('Confirm my alerts');
    expect(html.text.match(/Confirm my alerts/g)).toHaveLength(1);
    for (const part of ['Central Asia (whole region), Kazakhstan, Georgia and Armenia', 'Rights and Representation', 'Monthly', '7 days']) {
      expect(html.text).toContain(part);
      expect(email.text).toContain(part);
    }
    expect(html.text).toContain('If you did not ask for these alerts, you can ignore this email');
    expect(email.text).toContain(confirm);
    expect(email.text).toContain('If you did not ask for these alerts, you can ignore this email');
    expect(email.html).not.toContain('{{');
  });

  it('manage: the preference centre and unsubscribe links, in html and text', () => {
    const model = sampleManageModel();
    const email = renderManageEmail(model);
    const html = parseHtml(email.html);
    expect(email.subject).toBe('Manage your Democracy Tracker alerts');
    expect(html.hrefs).toContain(model.links.manage);
    expect(html.hrefs).toContain(model.links.unsubscribe);
    expect(html.text).toContain('Manage my alerts');
    expect(email.text).toContain(model.links.manage);
    expect(email.text).toContain(model.links.unsubscribe);
    expect(email.html).not.toContain('{{');
    const withoutChoices = renderManageEmail({ ...model, choices: undefined });
    expect(parseHtml(withoutChoices.html).text).not.toContain('Countries and regions');
  });

  it('empty choices read as "All countries" and "All categories"', () => {
    const model = sampleConfirmModel();
    const email = renderConfirmEmail({ ...model, choices: { countries: [], regions: [], categories: [], frequency: 'weekly' } });
    for (const part of ['All countries', 'All categories', 'Weekly, on Mondays']) expect(email.text).toContain(part);
  });
});

describe('digest email', () => {
  it('groups items by country under a heading, with badges, months, categories, updates and sources', () => {
    const model = sampleDigestModel();
    const email = renderDigestEmail(model);
    const html = parseHtml(email.html);
    expect(email.subject).toBe('Democracy Tracker monthly digest: January 2025 (7 reports, 1 with a watch flag)');
    const headings = html.outline.filter((h) => h.startsWith('h2:') || h.startsWith('h3:'));
    expect(headings).toEqual(
      model.countries.flatMap((country) => [`h2:${country.name}`, ...country.items.map((item) => `h3:${item.title}`)]),
    );
    expect(html.outline[0]).toBe('h1:January 2025');
    for (const badge of ['New', 'Updated', 'Watch flag raised', 'Watch flag lifted']) expect(html.text).toContain(badge);
    expect(html.text).toContain('1–31 January 2025 · 7 reports in 3 countries');
    for (const part of [
      'January 2025 · Rights · Civil Liberties',
      'Update:',
      'the law went into force in August 2024',
      'Changed: update note and sources',
      'Sources:',
      'Havli',
    ]) {
      expect(html.text).toContain(part);
    }
    const mediaLaw = model.countries[0]!.items[2]!;
    expect(html.hrefs).toContain(mediaLaw.url);
    expect(html.hrefs).toContain('https://www.hrw.org/');
    for (const link of [model.links.manage, model.links.unsubscribe, model.links.viewInBrowser]) {
      expect(html.hrefs).toContain(link);
      expect(email.text).toContain(link);
    }
    expect(html.text).toContain('You receive this monthly digest because reader@example.org is signed up');
    expect(email.html).not.toContain('{{');
    expect(email.shownCount).toBe(7);
    expect(email.moreCount).toBe(0);
    expect(html.text).not.toContain('more reports on the site');
  });

  it('bidi controls a source slips into a report cannot reorder the email: isolated in HTML, stripped from text and subject', () => {
    const model = sampleDigestModel();
    const first = model.countries[0]!.items[0]!;
    const spoof = 'Invoice \u202eexe.pdf\u202c and \u2067hidden\u2069';
    const items = [
      { ...first, title: spoof, excerpt: `Body \u202d${first.excerpt}`, updateText: 'Update \u202b text' },
      ...model.countries[0]!.items.slice(1),
    ];
    const spoofed = { ...model, countries: [{ ...model.countries[0]!, items }, ...model.countries.slice(1)] };
    const { html, text, subject } = renderDigestEmail(spoofed);
    expect(html).toMatch(/<bdi>Invoice (?:\u202e|&#8238;)exe\.pdf[^<]*hidden[^<]*<\/bdi>/);
    expect(html).toMatch(/<bdi>Body (?:\u202d|&#8237;)/);
    const controls = /[\u202a-\u202e\u2066-\u2069]/;
    expect(text).not.toMatch(controls);
    expect(subject).not.toMatch(controls);
    expect(text).toContain('Invoice exe.pdf and hidden');
  });

  it('the text version has the same items, grouped by country, with badges and links', () => {
    const model = sampleDigestModel();
    const { text } = renderDigestEmail(model);
    const positions = model.countries.map((c) => text.indexOf(`${c.name.toUpperCase()}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const label of ['[NEW]', '[UPDATED]', '[WATCH FLAG RAISED]', '[WATCH FLAG LIFTED]']) expect(text).toContain(label);
    for (const item of model.countries.flatMap((c) => c.items)) {
      expect(text).toContain(item.title);
      expect(text).toContain(`Read the report: ${item.url}`);
    }
    expect(text).toContain('Update: the law went into force in August 2024');
    expect(text).not.toMatch(/<\/?(?:p|a|div|span|table|td|h\d|br)\b/i);
  });

  it('an empty digest says so', () => {
    const email = renderDigestEmail({ ...sampleDigestModel(), countries: [] });
    expect(email.subject).toBe('Democracy Tracker monthly digest: January 2025 (no new reports)');
    expect(parseHtml(email.html).text).toContain('No new or updated reports matched your alerts');
    expect(email.text).toContain('No new or updated reports matched your alerts');
  });

  it('cuts to the size budget and says "N more reports on the site" with a link', () => {
    const model = largeDigestModel(300, 6);
    const email = renderDigestEmail(model);
    const bytes = utf8Bytes(email.html);
    console.log(`300-item digest: ${email.shownCount} items shown in ${(bytes / 1000).toFixed(1)} kB of HTML, ${email.moreCount} more`);
    expect(bytes).toBeLessThanOrEqual(90_000);
    expect(bytes).toBeGreaterThan(80_000); // filled, not cut far too early
    expect(email.shownCount).toBeGreaterThan(10);
    expect(email.shownCount + email.moreCount).toBe(300);
    const html = parseHtml(email.html);
    expect(html.text).toContain(`${email.moreCount} more reports on the site`);
    const site = new URL(model.links.site).href;
    expect(html.hrefs).toContain(site);
    expect(email.text).toContain(`${email.moreCount} more reports on the site: ${site}`);
    // Round robin: every country keeps some of its items.
    expect(html.outline.filter((h) => h.startsWith('h2:'))).toEqual(model.countries.map((c) => `h2:${c.name}`));
    expect(html.outline.filter((h) => h.startsWith('h3:'))).toHaveLength(email.shownCount);
    // The footer (unsubscribe) survives the cut.
    expect(html.hrefs).toContain(model.links.unsubscribe);
  });

  it("adds the composer's moreCount, honours a custom budget and moreReports link, and keeps as much as fits", () => {
    const model: DigestModel = {
      ...largeDigestModel(60, 3),
      moreCount: 5,
      links: { ...sampleDigestModel().links, moreReports: 'https://tracker.example.org/reports?since=2025-01' },
    };
    const roomy = renderDigestEmail(model, { maxHtmlBytes: 1_000_000 });
    expect(roomy.shownCount).toBe(60);
    expect(roomy.moreCount).toBe(5);
    expect(roomy.subject).toMatch(/\(65 reports(, \d+ with a watch flag)?\)/);
    const tight = renderDigestEmail(model, { maxHtmlBytes: 40_000 });
    expect(utf8Bytes(tight.html)).toBeLessThanOrEqual(40_000);
    expect(tight.shownCount + tight.moreCount).toBe(65);
    expect(tight.html).toContain(`${tight.moreCount} more reports on the site`);
    expect(parseHtml(tight.html).hrefs).toContain('https://tracker.example.org/reports?since=2025-01');
    // Maximal: one byte less drops at least one item; the size found is the real one.
    const tighter = renderDigestEmail(model, { maxHtmlBytes: utf8Bytes(tight.html) - 1 });
    expect(tighter.shownCount).toBeLessThan(tight.shownCount);
    const exact = renderDigestEmail(model, { maxHtmlBytes: utf8Bytes(tight.html) }).shownCount;
    expect(exact).toBeLessThanOrEqual(tight.shownCount);
    expect(exact).toBeGreaterThanOrEqual(tight.shownCount - 1); // within about one item of the most that fits
  });

  it('the size lower bounds never exceed the real size (else the budget would cut items it has room for)', () => {
    for (const model of [sampleDigestModel(), largeDigestModel(60, 4)]) {
      const prepared = prepareDigest(model);
      const order = roundRobinOrder(prepared);
      const totals = modelTotals(model);
      const countryOf = new Map(prepared.countries.flatMap((c) => c.items.map((item, i) => [item, i === 0 ? c.name : undefined] as const)));
      let bound = 0;
      order.forEach((item, index) => {
        bound += index === 0 ? firstItemLowerBound(item, countryOf.get(item)!) : itemLowerBound(item, countryOf.get(item));
        const real = utf8Bytes(renderDigestHtml(keepItems(prepared, index + 1), totals));
        expect(real).toBeGreaterThanOrEqual(bound);
        // and tight once the page's own texts (links, names) weigh little: it steers the search
        if (bound > 80_000) expect(real / bound).toBeLessThan(1.05);
      });
    }
  });

  it('a budget too small for any item still sends the frame: header, "N more" and the footer links', () => {
    const model = sampleDigestModel();
    const email = renderDigestEmail(model, { maxHtmlBytes: 1_000 });
    expect(email.shownCount).toBe(0);
    expect(email.moreCount).toBe(7);
    const html = parseHtml(email.html);
    expect(html.text).toContain('7 more reports on the site');
    expect(html.text).not.toContain('No new or updated reports');
    expect(html.hrefs).toContain(model.links.unsubscribe);
    expect(email.text).toContain('7 more reports on the site');
  });
});

describe('escaping and URLs', () => {
  const evil = '<script>alert("x")</script> & \'quotes\'';
  const evilItem: DigestItem = {
    badge: 'updated',
    title: evil,
    url: "https://tracker.example.org/e?q=\"><script>alert(1)</script>&x='y'",
    month: evil,
    categories: [evil],
    excerpt: evil,
    updateText: evil,
    changedFields: [evil],
    sources: [
      { name: evil, url: 'javascript:alert(1)' },
      { name: 'Data URL', url: 'data:text/html,<script>alert(1)</script>' },
      { name: 'Quoted', url: 'https://example.org/"onmouseover="alert(1)' },
    ],
  };
  const evilDigest = (): DigestModel => ({
    ...sampleDigestModel(),
    siteName: evil,
    period: { ...sampleDigestModel().period, label: evil },
    recipient: { email: `${evil}@example.org`, choices: { countries: [evil], regions: [evil], categories: [evil], frequency: 'monthly' } },
    countries: [{ id: evil, name: evil, items: [evilItem, { ...evilItem, badge: 'new', url: 'javascript:alert(document.cookie)' }] }],
  });

  it('escapes every value in the HTML: no markup, attribute or script gets through', () => {
    const { html, subject } = renderDigestEmail(evilDigest());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('"><script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(subject).toContain('<script>'); // the subject is a header, not HTML: the transport encodes it
    const parsed = parseHtml(html);
    expect(parsed.tags.has('script')).toBe(false);
    expect([...parsed.attributes].filter((a) => a.startsWith('on'))).toEqual([]);
    expect(parsed.text).toContain(evil);
  });

  it('only http(s) links: javascript: and data: URLs are dropped, quotes in URLs are encoded', () => {
    const { html, text } = renderDigestEmail(evilDigest());
    const hrefs = parseHtml(html).hrefs;
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(text).not.toMatch(/javascript:|data:text/i);
    expect(hrefs).toContain('https://tracker.example.org/e?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x=%27y%27');
    expect(hrefs).toContain('https://example.org/%22onmouseover=%22alert(1)');
    // The item whose link was refused still shows, without a link.
    expect(parseHtml(html).outline.filter((h) => h.startsWith('h3:'))).toHaveLength(2);
  });

  it('refuses unsafe required links (confirm, manage, unsubscribe, view in browser)', () => {
    const confirm = sampleConfirmModel();
    expect(() => renderConfirmEmail({ ...confirm, links: { ...confirm.links, confirm: 'javascript:alert(1)' } })).toThrow(UnsafeUrlError);
    const manage = sampleManageModel();
    expect(() => renderManageEmail({ ...manage, links: { ...manage.links, unsubscribe: 'ftp://example.org/x' } })).toThrow(UnsafeUrlError);
    const digest = sampleDigestModel();
    expect(() => renderDigestEmail({ ...digest, links: { ...digest.links, viewInBrowser: '/relative' } })).toThrow(UnsafeUrlError);
  });

  it('keeps every email 7-bit ASCII: other characters become numeric references (length = bytes)', () => {
    const words = 'Қазақстан Казахстан ’quoted’ café 😀 — 中文';
    const model = sampleDigestModel();
    const digest = renderDigestEmail({
      ...model,
      countries: [{ id: 'KAZ', name: words, items: [{ ...model.countries[0]!.items[0]!, title: words, sources: [{ name: words }] }] }],
    });
    const confirm = renderConfirmEmail({ ...sampleConfirmModel(), recipient: { email: `${words}@example.org` } });
    for (const html of [digest.html, confirm.html, renderManageEmail(sampleManageModel()).html, ...Object.values(compiledTemplates)]) {
      expect(html).toMatch(/^[\x00-\x7f]*$/);
    }
    expect(digest.html).toContain('&#128512;'); // 😀 as one reference, not two surrogates
    const parsed = parseHtml(digest.html);
    expect(parsed.outline).toContain(`h2:${words}`);
    expect(parsed.outline).toContain(`h3:${words}`);
    expect(digest.text).toContain(words); // the text part stays UTF-8
  });

  it('takes field names as text (even "constructor") and refuses unknown badges', () => {
    const model = sampleDigestModel();
    const item = { ...model.countries[0]!.items[2]!, changedFields: ['constructor', '__proto__', 'body'] };
    const email = renderDigestEmail({ ...model, countries: [{ id: 'KAZ', name: 'Kazakhstan', items: [item] }] });
    expect(email.text).toContain('Changed: constructor, __proto__ and report text');
    const bad = { ...item, badge: 'toString' as unknown as DigestItem['badge'] };
    expect(() => renderDigestEmail({ ...model, countries: [{ id: 'KAZ', name: 'Kazakhstan', items: [bad] }] })).toThrow(
      /unknown digest badge/,
    );
  });

  it('escapes the confirmation and manage emails too', () => {
    const confirm = sampleConfirmModel();
    const html = renderConfirmEmail({
      ...confirm,
      siteName: evil,
      recipient: { email: evil },
      choices: { ...confirm.choices, countries: [evil] },
    }).html;
    expect(html).not.toMatch(/<script/i);
    expect(parseHtml(html).text).toContain(evil);
    const manage = renderManageEmail({ ...sampleManageModel(), recipient: { email: evil } }).html;
    expect(manage).not.toMatch(/<script/i);
  });
});

describe('rendering cost', () => {
  it('renders 1,000 digests with no mjml call (timing printed next to mjml2html per recipient, not asserted)', async () => {
    const models = Array.from({ length: 1_000 }, (_, i) => {
      const model = sampleDigestModel();
      return { ...model, recipient: { ...model.recipient, email: `reader${i}@example.org` } };
    });
    for (const model of models.slice(0, 200)) renderDigestEmail(model); // warm up the JIT
    const started = performance.now();
    let bytes = 0;
    for (const model of models) bytes += renderDigestEmail(model).html.length;
    const perDigest = (performance.now() - started) / models.length;
    expect(bytes).toBeGreaterThan(1_000 * 10_000);

    const source = readFileSync(join(templatesDir, 'digest.mjml'), 'utf8');
    const options = { ...mjmlOptions, filePath: join(templatesDir, 'digest.mjml') };
    await mjml2html(source, options); // warm
    const mjmlRuns = 10;
    const mjmlStarted = performance.now();
    for (let i = 0; i < mjmlRuns; i++) await mjml2html(source, options);
    const perMjml = (performance.now() - mjmlStarted) / mjmlRuns;
    console.log(
      `digest render: ${(perDigest * 1000).toFixed(0)} µs per digest precompiled (1,000 digests) vs ` +
        `${perMjml.toFixed(1)} ms per mjml2html call (${mjmlRuns} calls): ${(perMjml / perDigest).toFixed(0)}x`,
    );
  });
});

describe('sample digest for review', () => {
  it('writes tests/artifacts/digest-sample.html (and the confirm and manage emails)', () => {
    const digest = renderDigestEmail(sampleDigestModel());
    const file = writeArtifact('digest-sample.html', digest.html);
    writeArtifact('digest-sample.txt', digest.text);
    writeArtifact('digest-cut-sample.html', renderDigestEmail(largeDigestModel(300, 6)).html);
    writeArtifact('confirm-sample.html', renderConfirmEmail(sampleConfirmModel()).html);
    writeArtifact('manage-sample.html', renderManageEmail(sampleManageModel()).html);
    expect(statSync(file).size).toBe(utf8Bytes(digest.html));
  });

  it.skipIf(!existsSync(chromium))(
    'Chromium lays it out without sideways scrolling at 600 px and 375 px; screenshots saved',
    { timeout: 120_000 },
    async () => {
      const digest = renderDigestEmail(sampleDigestModel());
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--hide-scrollbars'];
      for (const width of [600, 375]) {
        // The email in an iframe of exactly `width` (headless windows have a minimum width),
        // with a probe in the outer page (the email has no script) reporting its layout size.
        const page = writeArtifact(`digest-sample-frame-${width}.html`, framePage(digest.html, width));
        const { stdout } = await run(
          chromium,
          [...flags, '--window-size=800,600', '--virtual-time-budget=5000', '--dump-dom', `file://${page}`],
          { timeout: 60_000 },
        );
        const scrollWidth = Number(/data-scroll-width="(\d+)"/.exec(stdout)?.[1]);
        const scrollHeight = Number(/data-scroll-height="(\d+)"/.exec(stdout)?.[1]);
        expect(scrollWidth, `layout width at ${width}px`).toBe(width);
        expect(scrollHeight).toBeGreaterThan(1_000);
        const png = join(artifacts, `digest-sample-${width}.png`);
        await run(chromium, [...flags, `--window-size=${width},${scrollHeight}`, `--screenshot=${png}`, `file://${page}`], {
          timeout: 60_000,
        });
        expect(statSync(png).size).toBeGreaterThan(10_000);
      }
    },
  );
});

function framePage(html: string, width: number): string {
  const srcdoc = html.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html><html><body style="margin:0">
<iframe id="email" title="email" style="border:0;display:block;width:${width}px;height:100px" srcdoc="${srcdoc}"></iframe>
<script>
  const frame = document.getElementById('email');
  const report = () => {
    const root = frame.contentDocument.documentElement;
    document.body.dataset.scrollWidth = String(root.scrollWidth);
    document.body.dataset.scrollHeight = String(root.scrollHeight);
    frame.style.height = root.scrollHeight + 'px';
  };
  if (frame.contentDocument && frame.contentDocument.readyState === 'complete' && frame.contentDocument.body) report();
  frame.addEventListener('load', report);
</script></body></html>`;
}
