import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** Fields selected directly in a selection set, through fragments too. */
export function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') out.push(selection);
    else if (selection.kind === 'InlineFragment') fieldsOf(selection.selectionSet, info, out);
    else fieldsOf(info.fragments[selection.name.value]?.selectionSet, info, out);
  }
  return out;
}

/**
 * The to-one relations a page may join, by name, each with those its related row may join
 * in turn (a track's album, and the album's artist).
 */
export type Joinable = { readonly [relation: string]: Joinable };

/** A joinable relation selected on a row: the fields selected on the related row, and its own joins. */
export type JoinSelection = readonly [relation: string, fields: readonly string[], joins?: readonly JoinSelection[]];

/** What a client selected on the rows of a connection, so a page reads just that. */
export interface NodeSelection {
  /** Field names selected on the rows, sorted. */
  fields: readonly string[];
  /** The joinable to-one relations selected on the rows, sorted by name. */
  joins: readonly JoinSelection[];
}

/**
 * What the client selected on the rows of the connection being resolved (under `nodes`
 * or `edges.node`): their fields, and which of the `joinable` relations it selected, so
 * a page can read those in its own statement instead of a level of its own.
 */
export function selectionOnNodes(info: GraphQLResolveInfo, joinable: Joinable = NO_JOINS): NodeSelection {
  // graphql-js and graphql-jit hand every row of a list the same fieldNodes array, so
  // this walk runs once per field of the operation, not once per parent row.
  const cached = cache.get(info.fieldNodes);
  if (cached && cached.joinable === joinable) return cached.selection;
  const selection = walk(info, joinable);
  cache.set(info.fieldNodes, { joinable, selection });
  return selection;
}

const NO_JOINS: Joinable = {};
const cache = new WeakMap<readonly FieldNode[], { joinable: Joinable; selection: NodeSelection }>();

function walk(info: GraphQLResolveInfo, joinable: Joinable): NodeSelection {
  const rows: FieldNode[] = [];
  for (const field of info.fieldNodes) {
    for (const child of fieldsOf(field.selectionSet, info)) {
      if (child.name.value === 'nodes') rows.push(child);
      else if (child.name.value === 'edges') rows.push(...fieldsOf(child.selectionSet, info).filter((f) => f.name.value === 'node'));
    }
  }
  return rowSelection(rows, info, joinable);
}

// What `rows` (field nodes selecting one kind of row) select: fields, and joinable relations in depth.
function rowSelection(rows: readonly FieldNode[], info: GraphQLResolveInfo, joinable: Joinable): NodeSelection {
  const fields = new Set<string>();
  const related = new Map<string, FieldNode[]>();
  for (const row of rows) {
    for (const f of fieldsOf(row.selectionSet, info)) {
      const name = f.name.value;
      fields.add(name);
      if (Object.hasOwn(joinable, name)) (related.get(name) ?? related.set(name, []).get(name)!).push(f);
    }
  }
  const joins = [...related.keys()].sort().map((name): JoinSelection => {
    const inner = rowSelection(related.get(name)!, info, joinable[name]);
    return inner.joins.length ? [name, inner.fields, inner.joins] : [name, inner.fields];
  });
  return { fields: [...fields].sort(), joins };
}
