import { describe, expect, it } from 'vitest';
import { detectChanges, hashEvents, type StoredEvent } from '../src/alerts/detect';
import { contentHash, type EventInput } from '../src/alerts/event';
import { normalised, sampleEvent } from '../testkit/events';

const storedFrom = (input: EventInput): [string, StoredEvent] => {
  const event = normalised(input);
  return [event.id, { hash: contentHash(event), fields: event }];
};

describe('detectChanges (pure)', () => {
  it('publishes an unknown id with no previous values', () => {
    const event = normalised(sampleEvent());
    const [decision] = detectChanges(new Map(), hashEvents([event]));
    expect(decision?.action).toBe('publish');
    expect(decision?.changes).toEqual([{ type: 'event.published', previous: null }]);
  });

  it('leaves an identical event unchanged and needs only its hash to say so', () => {
    const input = sampleEvent();
    const event = normalised(input);
    const stored = new Map([[event.id, { hash: contentHash(event) }]]);
    const [decision] = detectChanges(stored, hashEvents([event]));
    expect(decision).toMatchObject({ action: 'unchanged', changes: [] });
  });

  it('ignores formatting noise: whitespace, category order, NFD vs NFC text', () => {
    const input = sampleEvent({ title: 'Café law', categories: ['rights', 'participation'] });
    const noisy = { ...input, title: '  Cafe\u0301   law ', categories: ['participation', 'rights'] };
    expect(contentHash(normalised(noisy))).toBe(contentHash(normalised(input)));
  });

  it('records the old values of exactly the fields that changed', () => {
    const input = sampleEvent();
    const edited = normalised({ ...input, body: 'A new body.', updates: [{ text: 'The law went into force.' }] });
    const [decision] = detectChanges(new Map([storedFrom(input)]), hashEvents([edited]));
    expect(decision?.action).toBe('update');
    expect(decision?.changes).toEqual([{ type: 'event.updated', previous: { body: input.body, updates: [] } }]);
  });

  it('gives a flag flip its own change, and both when text and flag change together', () => {
    const input = sampleEvent({ watchFlag: false });
    const raised = normalised({ ...input, watchFlag: true });
    expect(detectChanges(new Map([storedFrom(input)]), hashEvents([raised]))[0]?.changes).toEqual([
      { type: 'event.watch_flag_raised', previous: { watchFlag: false } },
    ]);

    const flagged = sampleEvent({ watchFlag: true });
    const liftedAndEdited = normalised({ ...flagged, watchFlag: false, title: 'Retitled' });
    expect(detectChanges(new Map([storedFrom(flagged)]), hashEvents([liftedAndEdited]))[0]?.changes).toEqual([
      { type: 'event.updated', previous: { title: flagged.title } },
      { type: 'event.watch_flag_lifted', previous: { watchFlag: true } },
    ]);
  });

  it('treats an id repeated in one batch as arriving in order', () => {
    const input = sampleEvent();
    const decisions = detectChanges(new Map(), hashEvents([normalised(input), normalised({ ...input, body: 'Edited.' })]));
    expect(decisions.map((d) => d.action)).toEqual(['publish', 'update']);
  });

  it('adds the category a factor belongs to', () => {
    const event = normalised(sampleEvent({ categories: [], factors: ['rule_of_law.judicial_independence'] }));
    expect(event.categories).toEqual(['rule_of_law']);
  });

  it('does not see a change when stored JSON comes back with its keys reordered', () => {
    const input = sampleEvent({ updates: [{ text: 'Update text', date: '2024-08' }] });
    const event = normalised(input);
    const fromDb = {
      ...event,
      updates: [{ date: '2024-08', text: 'Update text' }],
      sources: event.sources.map((s) => ({ url: s.url, name: s.name })),
    };
    const stored = new Map([[event.id, { hash: 'stale-hash', fields: fromDb }]]);
    const [decision] = detectChanges(stored, hashEvents([event]));
    expect(decision?.changes).toEqual([]);
  });
});
