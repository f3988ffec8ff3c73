import { modelMeta, type ModelName } from '../generated/model-meta';
import type { NodeSelection } from '../graphql/lookahead';
import { fieldsOf } from './identifiers';

/** A to-one relation of a page's rows that the page's statement can read by a join. */
export interface JoinSpec {
  /** The child's field holding the related row's id. */
  via: string;
  model: ModelName;
}

/** What a page's statement reads, decided from what the client selected. */
export interface PagePlan {
  /** The child's fields read. */
  own: string[];
  /** Each joined relation with the fields read of it. */
  joined: Array<{ name: string; model: ModelName; columns: string[] }>;
  /** Whether every row is read whole, the joined ones too, and so may be primed into by-id loaders. */
  whole: boolean;
  /** The columns read, as text: keys whose selections read the same share a statement. */
  shape: string;
  /** The statement, built once per direction and cursor use (see ./page-statement.ts). */
  sql: Map<string, string>;
}

// Columns a page reads: the id, the fields the client selected, and the foreign keys of
// the relations it selected. A row read in part is never primed into a by-id loader,
// whose other users may need the rest.
function columnsOf(model: ModelName, selected: readonly string[] | undefined): string[] {
  const all = fieldsOf(model);
  if (!selected) return all;
  const id: readonly string[] = modelMeta[model].id;
  const foreignKeys = modelMeta[model].foreignKeys as Record<string, readonly string[]>;
  const needed = new Set([...id, ...selected, ...selected.flatMap((f) => foreignKeys[f] ?? [])]);
  return all.filter((f) => needed.has(f));
}

const isWhole = (model: ModelName, columns: string[]) => columns.length === fieldsOf(model).length;

/**
 * Plans pages of `child` rows with the `joins` they may read: one plan per selection
 * (selections are shared by every row of a field, so this is once per field of an operation).
 * Without a selection, a page reads every column and joins nothing.
 */
export function pagePlanner(child: ModelName, joins: Readonly<Record<string, JoinSpec>>): (select: NodeSelection | undefined) => PagePlan {
  const plans = new WeakMap<NodeSelection, PagePlan>();
  return (select) => {
    let plan = select && plans.get(select);
    if (plan) return plan;
    const own = columnsOf(child, select?.fields);
    const joined = (select?.joins ?? [])
      .filter(([name]) => name in joins)
      .map(([name, fields]) => ({ name, model: joins[name].model, columns: columnsOf(joins[name].model, fields) }));
    plan = {
      own,
      joined,
      whole: isWhole(child, own) && joined.every(({ model, columns }) => isWhole(model, columns)),
      shape: `${own.join(',')}|${joined.map(({ name, columns }) => `${name}:${columns.join(',')}`).join('|')}`,
      sql: new Map(),
    };
    if (select) plans.set(select, plan);
    return plan;
  };
}
