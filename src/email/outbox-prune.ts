import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isErrno, type KeyRecord, keysDirOf } from './outbox-files';

const isMissing = (error: unknown) => isErrno(error, 'ENOENT');

async function listFiles(dir: string): Promise<{ name: string; mtime: Date }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const files = await Promise.all(
    names.map(async (name) => {
      try {
        const info = await stat(join(dir, name));
        return info.isFile() ? { name, mtime: info.mtime } : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined; // deleted meanwhile (another cleanup)
        throw error;
      }
    }),
  );
  return files.filter((f) => f !== undefined);
}

async function readRecord(path: string): Promise<OutboxRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<OutboxRecord>;
    return typeof parsed.createdAt === 'string' && Array.isArray(parsed.files)
      ? { createdAt: parsed.createdAt, files: parsed.files.filter((f) => typeof f === 'string' && basename(f) === f) }
      : undefined;
  } catch {
    return undefined; // unreadable or half-written: judged by its mtime
  }
}

async function remove(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Deletes the outbox emails (and their idempotency records) written before `before`. Emails go
 * first and their record last, so a cleanup killed half-way finishes the job next time; a file
 * already gone (another instance, an earlier run) is simply skipped. Answers the emails deleted.
 */
export async function pruneOutbox(dir: string, before: Date): Promise<number> {
  const keysDir = keysDirOf(dir);
  const recordFiles = await listFiles(keysDir);
  const records = await Promise.all(recordFiles.map(async (f) => ({ ...f, record: await readRecord(join(keysDir, f.name)) })));
  const expired = expiredOutboxEntries({ records, files: await listFiles(dir) }, before);
  let deleted = 0;
  for (const name of expired.files) if ((await remove(join(dir, name))) && name.endsWith('.eml')) deleted += 1;
  for (const name of expired.records) await remove(join(keysDir, name));
  return deleted;
}

/** What pruning needs of a key record: when its emails were written and their files. */
type OutboxRecord = Pick<KeyRecord, 'createdAt' | 'files'>;

/**
 * Which outbox entries to delete: records (with their emails) written before the cutoff, by
 * the time they record; loose files (no record names them: leftovers of a crash) by mtime.
 */
function expiredOutboxEntries(
  input: { records: { name: string; record: OutboxRecord | undefined; mtime: Date }[]; files: { name: string; mtime: Date }[] },
  before: Date,
): { records: string[]; files: string[] } {
  const records: string[] = [];
  const files: string[] = [];
  const kept = new Set<string>();
  for (const { name, record, mtime } of input.records) {
    const written = record ? new Date(record.createdAt) : mtime;
    if (Number.isNaN(written.getTime()) || written >= before) {
      for (const f of record?.files ?? []) kept.add(f);
      continue;
    }
    records.push(name);
    files.push(...(record?.files ?? []));
  }
  const listed = new Set(files);
  for (const { name, mtime } of input.files) {
    if (!listed.has(name) && !kept.has(name) && mtime < before) files.push(name);
  }
  return { records, files };
}
