import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

// Field names selected directly in a selection set, through fragments too.
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: FieldNode[]): FieldNode[] {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') out.push(selection);
    else if (selection.kind === 'InlineFragment') fieldsOf(selection.selectionSet, info, out);
    else fieldsOf(info.fragments[selection.name.value]?.selectionSet, info, out);
  }
  return out;
}

/**
 * Which of `candidates` the client selected on the rows of the connection being
 * resolved (under `nodes` or `edges.node`), so a page can read those to-one relations
 * in its own statement instead of a level of its own. Sorted, for stable batch keys.
 */
export function selectedOnNodes(info: GraphQLResolveInfo, candidates: readonly string[]): string[] | undefined {
  // graphql-js hands every row of a list the same fieldNodes array, so this walk runs
  // once per field of the operation, not once per parent row.
  const cached = cache.get(info.fieldNodes);
  if (cached && cached.candidates === candidates) return cached.selected;
  const selected = walk(info, candidates);
  cache.set(info.fieldNodes, { candidates, selected });
  return selected;
}

const cache = new WeakMap<readonly FieldNode[], { candidates: readonly string[]; selected: string[] | undefined }>();

function walk(info: GraphQLResolveInfo, candidates: readonly string[]): string[] | undefined {
  const found = new Set<string>();
  for (const field of info.fieldNodes) {
    for (const child of fieldsOf(field.selectionSet, info, [])) {
      const rows =
        child.name.value === 'nodes'
          ? [child]
          : child.name.value === 'edges'
            ? fieldsOf(child.selectionSet, info, []).filter((f) => f.name.value === 'node')
            : [];
      for (const row of rows) for (const f of fieldsOf(row.selectionSet, info, [])) if (candidates.includes(f.name.value)) found.add(f.name.value);
    }
  }
  return found.size > 0 ? [...found].sort() : undefined;
}
