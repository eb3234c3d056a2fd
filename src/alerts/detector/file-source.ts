import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { causeOf, type FetchedSource, type FetchLimits, SourceFetchError, sourceBody, type Validators } from './fetch-source';

/** A `file:` source (Node only): its mtime and size stand in for an ETag. */
export async function readFileSource(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
  const path = fileURLToPath(url);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceFetchError(`cannot be read (${causeOf(error)})`);
  }
  if (info.size > limits.maxBytes) throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${info.size} bytes)`);
  const etag = `"${info.mtimeMs.toString(36)}-${info.size.toString(36)}"`;
  if (previous.etag === etag) return { status: 'not_modified' };
  const body = sourceBody([await readFile(path)]);
  const contentType = path.endsWith('.json') ? 'application/json' : path.endsWith('.html') ? 'text/html' : 'text/plain';
  return { status: 'ok', body, contentType, validators: { etag, lastModified: null } };
}
