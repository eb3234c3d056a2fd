/**
 * Whether an ISO 8601 date or date-time (already validated as one) falls in the years
 * 0001-9999 once converted to UTC. PGlite sends a Date to PostgreSQL as ISO text, which
 * PostgreSQL reads only in that range: outside it a query fails, so the request is refused
 * first. An offset can move 0001-01-01 or 9999-12-31 across that edge, hence UTC.
 */
export function isStorableInstant(value: string): boolean {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

export const storableInstantMessage = 'must fall between the years 0001 and 9999 (UTC)';
