/** @jsxImportSource hono/jsx */

import { countryName, formatList, formatNumber, isLanguage, type Language, languages, messagesFor, regionName } from '../i18n';
import type { Preferences } from '../subscribers/preferences';
import { categories } from '../taxonomy/categories';
import { chosenElsewhere, pickerRegions } from './country-picker';
import { describedBy, FieldError, type FieldErrors } from './form-errors';

/** The choices, shared by the sign-up page and the preference centre. Works without JavaScript. */
function chosenLabel(value: Preferences, region: string, list: readonly { id: string }[], lang: Language): string {
  const t = messagesFor(lang).fields;
  const total = formatNumber(list.length, lang);
  if (value.regions.includes(region)) return t.allChosen(total);
  const chosen = list.filter((c) => value.countries.includes(c.id)).length;
  return chosen ? t.someChosen(formatNumber(chosen, lang), total) : t.countryCount(total);
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
    ...(isLanguage(fields.language) ? { language: fields.language } : {}),
  };
}

/**
 * `keepTimezone`: the zone shown is the reader's (stored, or typed before an error) and the
 * script must not replace it; only a fresh sign-up page guesses it from the browser.
 */
export function PreferenceFields({
  value,
  keepTimezone,
  errors,
  lang,
}: {
  value: Preferences;
  keepTimezone?: boolean;
  errors?: FieldErrors;
  lang: Language;
}) {
  const t = messagesFor(lang).fields;
  const chosenLanguage = value.language ?? lang;
  return (
    <>
      <div class="field">
        <label for="language">{t.language}</label>
        <p class="hint" id="language-hint">
          {t.languageHint}
        </p>
        <FieldError errors={errors} field="language" lang={lang} />
        <select id="language" name="language" {...describedBy(errors, 'language', 'language-hint')}>
          {languages.map((language) => (
            <option value={language} lang={language} selected={language === chosenLanguage}>
              {messagesFor(language).languageName}
            </option>
          ))}
        </select>
      </div>

      <fieldset class="regions" id="countries" {...describedBy(errors, errors?.regions ? 'regions' : 'countries', 'countries-hint')}>
        <legend>{t.countries}</legend>
        <p class="hint" id="countries-hint">
          {t.countriesHint}
        </p>
        <FieldError errors={errors} field="countries" lang={lang} />
        <FieldError errors={errors} field="regions" lang={lang} />
        <div class="field" hidden>
          <label for="country-search">{t.findCountry}</label>
          <input id="country-search" type="search" autocomplete="off" placeholder={t.findCountryPlaceholder} />
        </div>
        {pickerRegions(lang).map(({ region, countries: list }) => (
          <details open={value.regions.includes(region) || list.some((c) => value.countries.includes(c.id)) || undefined}>
            <summary>
              {regionName(region, lang)} <span class="hint">({chosenLabel(value, region, list, lang)})</span>
            </summary>
            <label class="choice whole">
              <input type="checkbox" name="regions" value={region} checked={value.regions.includes(region)} />{' '}
              {t.allOf(regionName(region, lang))}
            </label>
            <div class="countries">
              {list.map((c) => (
                <label class="choice">
                  <input type="checkbox" name="countries" value={c.id} checked={value.countries.includes(c.id)} /> {countryName(c, lang)}
                </label>
              ))}
            </div>
          </details>
        ))}
        <OtherPlaces chosen={value.countries} lang={lang} />
      </fieldset>

      <fieldset id="categories" {...describedBy(errors, 'categories', 'categories-hint')}>
        <legend>{t.categories}</legend>
        <p class="hint" id="categories-hint">
          {t.categoriesHint}
        </p>
        <FieldError errors={errors} field="categories" lang={lang} />
        {categories.map((c) => (
          <label class="choice">
            <input type="checkbox" name="categories" value={c.id} checked={value.categories.includes(c.id)} />
            <span>
              {messagesFor(lang).categories[c.id]}
              <span class="hint block">
                {formatList(
                  c.factors.map((f) => messagesFor(lang).factors[f.id] ?? f.name),
                  lang,
                )}
              </span>
            </span>
          </label>
        ))}
      </fieldset>

      <fieldset id="frequency" {...describedBy(errors, 'frequency')}>
        <legend>{t.frequency}</legend>
        <FieldError errors={errors} field="frequency" lang={lang} />
        <label class="choice">
          <input type="radio" name="frequency" value="monthly" checked={value.frequency === 'monthly'} /> {t.monthly}
        </label>
        <label class="choice">
          <input type="radio" name="frequency" value="weekly" checked={value.frequency === 'weekly'} /> {t.weekly}
        </label>
        <div class="field">
          <label for="timezone">{t.timezone}</label>
          <p class="hint" id="timezone-hint">
            {t.timezoneHint}
          </p>
          <FieldError errors={errors} field="timezone" lang={lang} />
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
          <input type="checkbox" name="skipEmpty" checked={value.skipEmpty} /> {t.skipEmpty}
        </label>
        <label class="choice">
          <input type="checkbox" name="neutralSubjects" checked={value.neutralSubjects} /> {t.neutralSubjects}
        </label>
      </fieldset>

      <fieldset id="instant-alerts">
        <legend>{t.watchFlags}</legend>
        <p class="hint">{t.watchFlagsHint}</p>
        <label class="choice">
          <input type="checkbox" name="instantAlerts" checked={value.instantAlerts} /> {t.instantAlerts}
        </label>
      </fieldset>

      <fieldset id="country-context">
        <legend>{t.countryContext}</legend>
        <label class="choice">
          <input type="checkbox" name="countryContext" checked={value.countryContext} /> {t.countryContextHint}
        </label>
      </fieldset>
    </>
  );
}

/** Places chosen through the API that the picker does not list: shown ticked so saving the page keeps them. */
function OtherPlaces({ chosen, lang }: { chosen: readonly string[]; lang: Language }) {
  const others = chosenElsewhere(chosen);
  if (!others.length) return null;
  return (
    <details open>
      <summary>{messagesFor(lang).fields.otherPlaces}</summary>
      <div class="countries">
        {others.map((c) => (
          <label class="choice">
            <input type="checkbox" name="countries" value={c.id} checked /> {countryName(c, lang)}
          </label>
        ))}
      </div>
    </details>
  );
}
