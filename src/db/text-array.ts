import { sql } from 'kysely';

/** A list of strings as one `text[]` parameter (`= any(...)`), not one placeholder per item. */
export const textArray = (values: readonly string[]) => sql<string[]>`${sql.val([...values])}::text[]`;
