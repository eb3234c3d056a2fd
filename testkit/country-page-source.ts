import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const firstPage = new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url);
/** The same page with one change of each context section: Rights ranking, head of government, a treaty, the Rights trend. */
const changedPage = new URL('../tests/fixtures/tracker/kazakhstan-context-changed.txt', import.meta.url);

/**
 * The Kazakhstan country page as a `file:` source (SOURCE_URLS) that a test changes between two
 * detection runs: the first run reads the country for the first time, the second sees one
 * change of each country context type.
 */
export function changingCountryPage() {
  const path = join(mkdtempSync(join(tmpdir(), 'country-page-')), 'kazakhstan.txt');
  copyFileSync(firstPage, path);
  return {
    url: pathToFileURL(path).href,
    change: () => copyFileSync(changedPage, path),
  };
}
