/**
 * The bundled demo source, polled when SOURCE_URLS is unset: the real Kazakhstan country page
 * (as text) and a JSON feed of sample events for other countries, written for the demo.
 * Literal `new URL('./file', import.meta.url)` calls, so bundlers can see the files too.
 */
export function demoSourceUrls(): string[] {
  return [new URL('./tracker-kazakhstan-2025-01.txt', import.meta.url).href, new URL('./sample-feed.json', import.meta.url).href];
}

/**
 * The tracker page a bundled demo file was saved from, so its reports link to the tracker
 * ("Read the report") instead of to a local file; undefined for any other URL.
 */
export function demoTrackerPageUrl(url: string): string | undefined {
  return url === new URL('./tracker-kazakhstan-2025-01.txt', import.meta.url).href
    ? 'https://www.idea.int/democracytracker/report/kazakhstan/january-2025'
    : undefined;
}
