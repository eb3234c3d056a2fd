import { describe, expect, it } from 'vitest';
import { languages, messagesFor } from '../src/i18n';
import { en } from '../src/i18n/en';
import { categories } from '../src/taxonomy/categories';
import { regions } from '../src/taxonomy/countries';

/** Every leaf of a catalogue by its key path (joined with " > ": factor ids hold dots): a text, or a function's arity. */
function leaves(value: unknown, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix} > ${key}` : key;
    if (typeof child === 'string') found.set(path, 'text');
    else if (typeof child === 'function') found.set(path, `function/${child.length}`);
    else for (const [p, kind] of leaves(child, path)) found.set(p, kind);
  }
  return found;
}

const at = (catalogue: unknown, key: string) =>
  key.split(' > ').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], catalogue) as string;

describe('the translation catalogues', () => {
  const english = leaves(en);

  it.each(languages)('%s has every key English has, of the same kind, and no other', (language) => {
    const catalogue = leaves(messagesFor(language));
    expect([...catalogue.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, kind] of english) expect(catalogue.get(key), key).toBe(kind);
  });

  it.each(languages)('%s has no empty text and no English left untranslated in its long texts', (language) => {
    const catalogue = messagesFor(language);
    for (const [key, kind] of leaves(catalogue)) {
      if (kind !== 'text') continue;
      const text = at(catalogue, key);
      expect(text.trim(), key).not.toBe('');
      const englishText = at(en, key);
      // Long sentences must differ from English; short labels (names, "Asia", "JSON Feed") may not.
      if (language !== 'en' && englishText.length > 30) expect(text, key).not.toBe(englishText);
    }
  });

  it('labels every region, category and factor the taxonomy has', () => {
    for (const language of languages) {
      const t = messagesFor(language);
      for (const region of regions) expect(t.regions[region as keyof typeof t.regions], `${language} ${region}`).toBeTruthy();
      for (const category of categories) {
        expect(t.categories[category.id], `${language} ${category.id}`).toBeTruthy();
        for (const factor of category.factors) expect(t.factors[factor.id], `${language} ${factor.id}`).toBeTruthy();
      }
    }
    expect(Object.keys(en.factors).sort()).toEqual(categories.flatMap((c) => c.factors.map((f) => f.id)).sort());
  });
});
