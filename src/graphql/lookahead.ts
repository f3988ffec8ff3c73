import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

// Fields selected directly in a selection set, through fragments too.
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') out.push(selection);
    else if (selection.kind === 'InlineFragment') fieldsOf(selection.selectionSet, info, out);
    else fieldsOf(info.fragments[selection.name.value]?.selectionSet, info, out);
  }
  return out;
}

/** What a client selected on the rows of a connection, so a page reads just that. */
export interface NodeSelection {
  /** Field names selected on the rows, sorted. */
  fields: readonly string[];
  /**
   * The joinable to-one relations selected on the rows, sorted by name, each with the
   * field names selected on the related row.
   */
  joins: ReadonlyArray<readonly [relation: string, fields: readonly string[]]>;
}

/**
 * What the client selected on the rows of the connection being resolved (under `nodes`
 * or `edges.node`): their fields, and which of the `joinable` relations it selected, so
 * a page can read those in its own statement instead of a level of its own.
 */
export function selectionOnNodes(info: GraphQLResolveInfo, joinable: readonly string[] = NO_JOINS): NodeSelection {
  // graphql-js and graphql-jit hand every row of a list the same fieldNodes array, so
  // this walk runs once per field of the operation, not once per parent row.
  const cached = cache.get(info.fieldNodes);
  if (cached && cached.joinable === joinable) return cached.selection;
  const selection = walk(info, joinable);
  cache.set(info.fieldNodes, { joinable, selection });
  return selection;
}

const NO_JOINS: readonly string[] = [];
const cache = new WeakMap<readonly FieldNode[], { joinable: readonly string[]; selection: NodeSelection }>();

function walk(info: GraphQLResolveInfo, joinable: readonly string[]): NodeSelection {
  const fields = new Set<string>();
  const joins = new Map<string, Set<string>>();
  for (const field of info.fieldNodes) {
    for (const child of fieldsOf(field.selectionSet, info)) {
      const rows =
        child.name.value === 'nodes'
          ? [child]
          : child.name.value === 'edges'
            ? fieldsOf(child.selectionSet, info).filter((f) => f.name.value === 'node')
            : [];
      for (const row of rows) {
        for (const f of fieldsOf(row.selectionSet, info)) {
          const name = f.name.value;
          fields.add(name);
          if (!joinable.includes(name)) continue;
          const related = joins.get(name) ?? joins.set(name, new Set()).get(name)!;
          for (const g of fieldsOf(f.selectionSet, info)) related.add(g.name.value);
        }
      }
    }
  }
  const sorted = (names: Iterable<string>) => [...names].sort();
  return { fields: sorted(fields), joins: sorted(joins.keys()).map((name) => [name, sorted(joins.get(name)!)] as const) };
}
