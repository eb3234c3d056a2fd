/** @jsxImportSource hono/jsx */

import type { Preferences } from '../subscribers/preferences';
import { categories } from '../taxonomy/categories';
import { countryContextWords } from '../templates/country-context-words';
import { chosenElsewhere, pickerRegions } from './country-picker';
import { describedBy, FieldError, type FieldErrors } from './form-errors';

/** The choices, shared by the sign-up page and the preference centre. Works without JavaScript. */
function chosenLabel(value: Preferences, region: string, list: readonly { id: string }[]): string {
  if (value.regions.includes(region)) return `all ${list.length} chosen`;
  const chosen = list.filter((c) => value.countries.includes(c.id)).length;
  return chosen ? `${chosen} of ${list.length} chosen` : `${list.length} countries`;
}

/** The form's choices as posted, to show them again beside the problems (never the stored ones). */
export function typedPreferences(fields: Record<string, unknown>): Preferences {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    countries: list(fields.countries),
    regions: list(fields.regions),
    categories: list(fields.categories) as Preferences['categories'],
    frequency: fields.frequency === 'weekly' ? 'weekly' : 'monthly',
    timezone: typeof fields.timezone === 'string' ? fields.timezone : 'UTC',
    skipEmpty: fields.skipEmpty === true,
    instantAlerts: fields.instantAlerts === true,
    neutralSubjects: fields.neutralSubjects === true,
    countryContext: fields.countryContext === true,
  };
}

/**
 * `keepTimezone`: the zone shown is the reader's (stored, or typed before an error) and the
 * script must not replace it; only a fresh sign-up page guesses it from the browser.
 */
export function PreferenceFields({ value, keepTimezone, errors }: { value: Preferences; keepTimezone?: boolean; errors?: FieldErrors }) {
  return (
    <>
      <fieldset class="regions" id="countries" {...describedBy(errors, errors?.regions ? 'regions' : 'countries', 'countries-hint')}>
        <legend>Countries</legend>
        <p class="hint" id="countries-hint">
          Choose whole regions, single countries, or both. Choose none to hear about every country.
        </p>
        <FieldError errors={errors} field="countries" />
        <FieldError errors={errors} field="regions" />
        <div class="field" hidden>
          <label for="country-search">Find a country</label>
          <input id="country-search" type="search" autocomplete="off" placeholder="Type a country name" />
        </div>
        {pickerRegions.map(({ region, countries: list }) => (
          <details open={value.regions.includes(region) || list.some((c) => value.countries.includes(c.id)) || undefined}>
            <summary>
              {region} <span class="hint">({chosenLabel(value, region, list)})</span>
            </summary>
            <label class="choice whole">
              <input type="checkbox" name="regions" value={region} checked={value.regions.includes(region)} /> All of {region}
            </label>
            <div class="countries">
              {list.map((c) => (
                <label class="choice">
                  <input type="checkbox" name="countries" value={c.id} checked={value.countries.includes(c.id)} /> {c.name}
                </label>
              ))}
            </div>
          </details>
        ))}
        <OtherPlaces chosen={value.countries} />
      </fieldset>

      <fieldset id="categories" {...describedBy(errors, 'categories', 'categories-hint')}>
        <legend>Categories</legend>
        <p class="hint" id="categories-hint">
          Choose none to get reports of every category.
        </p>
        <FieldError errors={errors} field="categories" />
        {categories.map((c) => (
          <label class="choice">
            <input type="checkbox" name="categories" value={c.id} checked={value.categories.includes(c.id)} />
            <span>
              {c.name}
              <span class="hint block">{c.factors.map((f) => f.name).join(', ')}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <fieldset id="frequency" {...describedBy(errors, 'frequency')}>
        <legend>How often</legend>
        <FieldError errors={errors} field="frequency" />
        <label class="choice">
          <input type="radio" name="frequency" value="monthly" checked={value.frequency === 'monthly'} /> Monthly, on the first day of the
          month
        </label>
        <label class="choice">
          <input type="radio" name="frequency" value="weekly" checked={value.frequency === 'weekly'} /> Weekly, on Mondays
        </label>
        <div class="field">
          <label for="timezone">Time zone</label>
          <p class="hint" id="timezone-hint">
            Digests arrive at 09:00 in this time zone (an IANA name such as Europe/Stockholm).
          </p>
          <FieldError errors={errors} field="timezone" />
          <input
            id="timezone"
            name="timezone"
            type="text"
            value={value.timezone}
            autocomplete="off"
            data-chosen={keepTimezone ? '1' : undefined}
            {...describedBy(errors, 'timezone', 'timezone-hint')}
          />
        </div>
        <label class="choice">
          <input type="checkbox" name="skipEmpty" checked={value.skipEmpty} /> Skip the email when nothing new matches my choices
        </label>
        <label class="choice">
          <input type="checkbox" name="neutralSubjects" checked={value.neutralSubjects} /> Neutral subject lines: name no country or topic
          in the subject and preview (“Your monthly update”), for a screen others may see
        </label>
      </fieldset>

      <fieldset id="instant-alerts">
        <legend>Watch flags</legend>
        <p class="hint">
          A watch flag means the tracker's editors are keeping a close eye on a development. Flagged reports are always in your digest.
        </p>
        <label class="choice">
          <input type="checkbox" name="instantAlerts" checked={value.instantAlerts} /> Also email me when a watch flag is raised in my
          countries (at most one such email every few hours)
        </label>
      </fieldset>

      <fieldset id="country-context">
        <legend>{countryContextWords.choice}</legend>
        <label class="choice">
          <input type="checkbox" name="countryContext" checked={value.countryContext} /> {countryContextWords.choiceHint}
        </label>
      </fieldset>
    </>
  );
}

/** Places chosen through the API that the picker does not list: shown ticked so saving the page keeps them. */
function OtherPlaces({ chosen }: { chosen: readonly string[] }) {
  const others = chosenElsewhere(chosen);
  if (!others.length) return null;
  return (
    <details open>
      <summary>Other places you follow</summary>
      <div class="countries">
        {others.map((c) => (
          <label class="choice">
            <input type="checkbox" name="countries" value={c.id} checked /> {c.name}
          </label>
        ))}
      </div>
    </details>
  );
}
