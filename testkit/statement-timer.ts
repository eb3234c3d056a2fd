/**
 * A Kysely plugin that times each statement from compile to result (pool wait included; BEGIN
 * and COMMIT do not pass through plugins), adding the times up by a label the caller derives.
 */
import type { KyselyPlugin, RootOperationNode } from 'kysely';

/** What a label needs of a statement's operation node. */
export interface StatementShape {
  kind: string;
  /** The table inserted into, updated, or first selected from. */
  table?: string;
  joined: boolean;
  locking: boolean;
  upsert: boolean;
  selections: number;
  /** A raw statement's text, fragments joined by `$`, whitespace collapsed. */
  text: string;
}

type AnyNode = Record<string, unknown> & { kind: string };

function tableName(node: unknown): string | undefined {
  let n = node as AnyNode | undefined;
  if (n?.kind === 'AliasNode') n = n.node as AnyNode;
  if (n?.kind === 'TableNode') return ((n.table as AnyNode).identifier as { name: string }).name;
  return undefined;
}

export function statementShape(node: RootOperationNode): StatementShape {
  const n = node as unknown as AnyNode;
  const table =
    n.kind === 'InsertQueryNode'
      ? tableName(n.into)
      : n.kind === 'UpdateQueryNode'
        ? tableName(n.table)
        : tableName((n.from as { froms?: unknown[] } | undefined)?.froms?.[0]);
  return {
    kind: n.kind,
    table,
    joined: Boolean((n.joins as unknown[] | undefined)?.length),
    locking: Boolean(n.endModifiers || n.forUpdate || n.skipLocked),
    upsert: Boolean(n.onConflict),
    selections: (n.selections as unknown[] | undefined)?.length ?? 0,
    text: ((n.sqlFragments as string[] | undefined) ?? []).join('$').replace(/\s+/g, ' ').trim(),
  };
}

export interface StatementStats {
  count: number;
  ms: number;
}

/** `totals` by label; `series` keeps each statement's time when asked (`keepSeries`). */
export function statementTimer(
  label: (shape: StatementShape) => string,
  options: { keepSeries?: boolean; onStart?: (label: string, t: number) => void } = {},
) {
  const started = new Map<unknown, { label: string; t: number }>();
  const totals = new Map<string, StatementStats>();
  const series = new Map<string, number[]>();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      const l = label(statementShape(node));
      const t = performance.now();
      options.onStart?.(l, t);
      started.set(queryId, { label: l, t });
      return node;
    },
    async transformResult({ queryId, result }) {
      const s = started.get(queryId);
      if (s) {
        started.delete(queryId);
        const ms = performance.now() - s.t;
        const stats = totals.get(s.label) ?? { count: 0, ms: 0 };
        stats.count++;
        stats.ms += ms;
        totals.set(s.label, stats);
        if (options.keepSeries) {
          const list = series.get(s.label) ?? [];
          list.push(ms);
          series.set(s.label, list);
        }
      }
      return result;
    },
  };
  return { plugin, totals, series };
}

/** A statement timer's totals: ms by label, all ms, all statements. */
export function sqlTotals(totals: ReadonlyMap<string, { ms: number; count: number }>) {
  const byStatement: Record<string, number> = {};
  let sqlMs = 0;
  let statements = 0;
  for (const [label, t] of totals) {
    byStatement[label] = t.ms;
    sqlMs += t.ms;
    statements += t.count;
  }
  return { byStatement, sqlMs, statements };
}

/** Labels for the events pipeline's statements (ingest, detection): kind, table, and what a select of events reads. */
export const eventsLabel = ({ kind, table, upsert, selections }: StatementShape): string => {
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}${upsert ? ' (upsert)' : ''}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'SelectQueryNode' && table === 'events') return selections <= 2 ? 'select events (id, hash)' : 'select events (full rows)';
  if (kind === 'SelectQueryNode') return `select ${table ?? '(raw)'}`;
  return kind === 'RawNode' ? 'raw (advisory locks)' : kind;
};
