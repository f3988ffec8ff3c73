import { modelMeta, type ModelName } from '../generated/model-meta';
import type { JoinSelection, NodeSelection } from '../graphql/lookahead';
import { fieldsOf } from './identifiers';

/** A to-one relation of a page's rows that the page's statement can read by a join. */
export interface JoinSpec {
  /** The field holding the related row's id, on the row it is joined to. */
  via: string;
  model: ModelName;
  /** The related row's own to-one relations the same statement may join (an album's artist). */
  joins?: Readonly<Record<string, JoinSpec>>;
}

/** A relation a page's statement joins, with the fields read of it. */
export interface PlannedJoin {
  name: string;
  model: ModelName;
  columns: string[];
  /** The relations from the child to this one: ['album', 'artist'] for a track's album's artist. */
  path: string[];
  /** Which joined relation it hangs from (its index in `joined`), or -1 for the child itself. */
  parent: number;
  via: string;
}

/** What a page's statement reads, decided from what the client selected. */
export interface PagePlan {
  /** The child's fields read. */
  own: string[];
  /** Each joined relation with the fields read of it, a relation before those joined to it. */
  joined: PlannedJoin[];
  /** Whether every row is read whole, the joined ones too, and so may be primed into by-id loaders. */
  whole: boolean;
  /** The columns read, as text: keys whose selections read the same share a statement. */
  shape: string;
  /** Its statements, each built once: a page's per direction and cursor use, a lookup's, a list's head (./page-statement.ts, ./list-statement.ts). */
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
    const joined = planJoins(select?.joins ?? [], joins, [], -1);
    plan = {
      own,
      joined,
      whole: isWhole(child, own) && joined.every(({ model, columns }) => isWhole(model, columns)),
      shape: `${own.join(',')}|${joined.map(({ path, columns }) => `${path.join('.')}:${columns.join(',')}`).join('|')}`,
      sql: new Map(),
    };
    if (select) plans.set(select, plan);
    return plan;
  };
}

// The selected relations that `joins` allows, depth first: each before those joined to it.
function planJoins(selected: readonly JoinSelection[], joins: Readonly<Record<string, JoinSpec>>, path: string[], parent: number, out: PlannedJoin[] = []): PlannedJoin[] {
  for (const [name, fields, nested] of selected) {
    if (!Object.hasOwn(joins, name)) continue;
    const spec = joins[name];
    const index = out.push({ name, model: spec.model, columns: columnsOf(spec.model, fields), path: [...path, name], parent, via: spec.via }) - 1;
    if (nested && spec.joins) planJoins(nested, spec.joins, [...path, name], index, out);
  }
  return out;
}
