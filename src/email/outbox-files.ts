import { join } from 'node:path';

/** What an idempotency key was first used for: kept in `outbox/.keys/<hash of key>.json`. */
export interface KeyRecord {
  createdAt: string;
  payloadHash: string;
  files: string[];
}

/** The folder of the key records inside an outbox folder. */
export const keysDirOf = (dir: string) => join(dir, '.keys');

export const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException | undefined)?.code === code;
