import { describe, expect, it } from 'vitest';
import { compiledTemplates } from '../src/templates/compiled';
import { renderDigestEmail } from '../src/templates/digest-email';
import { renderDigestHtml } from '../src/templates/digest-html';
import { modelTotals, prepareDigest } from '../src/templates/digest-prepare';
import { digestView } from '../src/templates/digest-view';
import { prepareTemplate } from '../src/templates/fill';
import type { DigestModel } from '../src/templates/models';
import { largeDigestModel, sampleDigestModel } from '../testkit/sample-models';

const evil = '<script>alert("x")</script> & \'quotes\' ’ 😀';

function models(): DigestModel[] {
  const sample = sampleDigestModel();
  const first = sample.countries[0]!.items[0]!;
  return [
    sample,
    largeDigestModel(30, 5),
    { ...sample, countries: [], moreCount: 0 },
    { ...sample, moreCount: 4 },
    {
      ...sample,
      countries: [{ id: 'KAZ', name: evil, items: [{ ...first, title: evil, sources: [{ name: evil, url: 'https://x.org/"a' }] }] }],
    },
  ];
}

describe('digest HTML filled in parts, each report once per run', () => {
  it('is byte for byte the whole compiled template filled at once', () => {
    const whole = prepareTemplate<ReturnType<typeof digestView>>(compiledTemplates.digest);
    for (const model of models()) {
      const prepared = prepareDigest(model);
      const totals = modelTotals(model);
      expect(renderDigestHtml(prepared, totals)).toBe(whole(digestView(prepared, totals)));
    }
  });

  it('readers sharing report objects each get exactly the email of their own copy', () => {
    // As a digest run builds them: the same item objects in many readers' models, in other positions.
    const shared = sampleDigestModel();
    const [a, b, c] = shared.countries;
    const readers: DigestModel[] = [
      shared,
      { ...shared, recipient: { ...shared.recipient, email: 'second@example.org' }, countries: [c!, a!] },
      {
        ...shared,
        recipient: { ...shared.recipient, email: 'third@example.org' },
        countries: [{ ...b!, items: [...b!.items].reverse() }],
        moreCount: 2,
      },
    ];
    for (const model of readers) {
      const fresh = renderDigestEmail(structuredClone(model));
      const reused = renderDigestEmail(model);
      expect(reused).toEqual(fresh);
      expect(reused.html).toContain(model.recipient.email);
    }
  });

  it('the plain-text part uses a plain dash and ellipsis', () => {
    const model = largeDigestModel(3, 1);
    const long = {
      ...model,
      countries: model.countries.map((c) => ({ ...c, items: c.items.map((i) => ({ ...i, excerpt: 'word '.repeat(200) })) })),
    };
    const { text, html } = renderDigestEmail(long);
    expect(text).toMatch(/\d-\d/);
    expect(text).toContain('word...');
    expect(text).not.toMatch(/[\u2013\u2026]/);
    expect(html).toContain('&#8230;'); // the HTML keeps its typography
  });
});
