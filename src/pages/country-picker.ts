import { type Country, findCountry } from '../taxonomy/countries';
import { trackerCountries } from '../taxonomy/tracker-countries';

/**
 * What the country picker offers: the sovereign states the tracker follows (its 173), grouped
 * by UN region and sorted by the name our emails use. Other ISO codes stay valid everywhere
 * else (events are stored and matched for any), they are just not offered.
 */
const offered: readonly Country[] = trackerCountries
  .map((c) => findCountry(c.id))
  .filter((c): c is Country => c !== undefined)
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

export const pickerRegions: readonly { region: string; countries: readonly Country[] }[] = [...new Set(offered.map((c) => c.region))]
  .sort()
  .map((region) => ({ region, countries: offered.filter((c) => c.region === region) }));

const offeredIds = new Set(offered.map((c) => c.id));

/** Chosen codes the picker does not offer (set through the API), so a save from the page keeps them. */
export function chosenElsewhere(chosen: readonly string[]): Country[] {
  return chosen
    .filter((id) => !offeredIds.has(id))
    .map((id) => findCountry(id))
    .filter((c): c is Country => c !== undefined);
}
