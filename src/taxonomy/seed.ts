import type { TaxonomySeed } from '../db/taxonomy';
import { categories } from './categories';
import { countries } from './countries';

/** What the migration syncs into the countries, categories and factors tables. */
export const taxonomySeed: TaxonomySeed = { countries, categories };
