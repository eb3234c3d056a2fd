/**
 * After a digest tick: every subscriber's inbox at the fake Resend against what they should have
 * got (`expected`: email -> gets a digest) and their digest row and cursor. Problems in words.
 */
export interface DigestCheckInput {
  delivered: readonly { to: readonly string[]; oneClick: boolean }[];
  rows: readonly { email: string; status: string; digest_cursor: number }[];
  expected: ReadonlyMap<string, boolean>;
  /** False when the tick was stopped: the subscribers it did not reach are not missing. */
  complete: boolean;
  cursor: number;
  upTo: number;
}

export function checkDigestInboxes({ delivered, rows, expected, complete, cursor, upTo }: DigestCheckInput) {
  const problems: string[] = [];
  const inbox = new Map<string, number>();
  let withoutOneClick = 0;
  for (const d of delivered) {
    for (const to of d.to) inbox.set(to, (inbox.get(to) ?? 0) + 1);
    if (!d.oneClick) withoutOneClick++;
  }
  let missing = 0;
  let twice = 0;
  let unwanted = 0;
  let sentNotDelivered = 0;
  let deliveredNotSent = 0;
  let wrongSkip = 0;
  let badCursor = 0;
  const rowStatus = new Map(rows.map((r) => [r.email, r]));
  for (const [email, wanted] of expected) {
    const n = inbox.get(email) ?? 0;
    const row = rowStatus.get(email);
    if (complete && wanted && n === 0) missing++;
    if (n > 1) twice++;
    if (!wanted && n > 0) unwanted++;
    if (row?.status === 'sent' && n !== 1) sentNotDelivered++;
    if (n > 0 && row?.status !== 'sent') deliveredNotSent++;
    if (row?.status === 'skipped' && wanted) wrongSkip++;
    const closed = row?.status === 'sent' || row?.status === 'skipped';
    if (row && (closed ? row.digest_cursor !== upTo : row.digest_cursor !== cursor)) badCursor++;
  }
  const strangers = [...inbox.keys()].filter((to) => !expected.has(to)).length;
  if (missing) problems.push(`${missing} subscribers got no digest`);
  if (twice) problems.push(`${twice} subscribers got more than one`);
  if (unwanted) problems.push(`${unwanted} skip-empty subscribers with nothing matching got one`);
  if (strangers) problems.push(`${strangers} deliveries to unknown addresses`);
  if (sentNotDelivered || deliveredNotSent)
    problems.push(
      `rows marked sent and inboxes disagree (${sentNotDelivered} sent but not delivered once, ${deliveredNotSent} delivered but not marked sent)`,
    );
  if (wrongSkip) problems.push(`${wrongSkip} subscribers skipped although something matched or they want empty digests`);
  if (badCursor) problems.push(`${badCursor} subscribers' cursors are wrong`);
  if (withoutOneClick) problems.push(`${withoutOneClick} deliveries without the one-click unsubscribe headers`);
  return { problems, inbox };
}
