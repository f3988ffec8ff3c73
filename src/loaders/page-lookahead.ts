/*
 * The look-ahead of a row looked up by id: which page of its children (and of theirs) its
 * connection's resolver will load, worked out before the row is read, so that the row and
 * the page go in one statement (PageLoader.withParent, ./child-pages.ts).
 */
import { getArgumentValues, getNamedType, isObjectType, type FieldNode, type GraphQLField, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { pageArgs, type ConnectionArgs } from '../graphql/connections';
import { fieldsOf as selectedFields, selectionOnNodes, type Joinable } from '../graphql/lookahead';
import { childPage, childScope, type ChildPageKey, type NestedKey, type Nests } from './child-pages';

// The first of `nests` selected on the rows of the connection being resolved, as a key
// without a parent: the same page of every row's children. Not for a cursor (one
// parent's), no rows, or an argument the field's own resolver will refuse.
function nestedOnRows(info: GraphQLResolveInfo, nests: Nests): NestedKey | undefined {
  for (const [field, [loader, joinable]] of Object.entries(nests)) {
    const nested = nestedField(info, field, true);
    if (!nested) continue;
    try {
      const page = pageArgs(getArgumentValues(nested.definition, nested.fieldNodes[0], info.variableValues) as ConnectionArgs, childScope(nested as unknown as GraphQLResolveInfo));
      if (page.cursor || page.size === 0) return undefined;
      return { loader, page, select: selectionOnNodes(nested as unknown as GraphQLResolveInfo, joinable) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// A connection field selected on the row being resolved (or on each row of the connection
// being resolved), as its own resolver's info will show it.
interface NestedField {
  fieldNodes: FieldNode[];
  fragments: GraphQLResolveInfo['fragments'];
  parentType: GraphQLObjectType;
  fieldName: string;
  returnType: GraphQLField<unknown, unknown>['type'];
  definition: GraphQLField<unknown, unknown>;
}

// Per field of an operation (graphql-js and graphql-jit hand every row the same fieldNodes).
const nestedFields = new WeakMap<readonly FieldNode[], Map<string, NestedField | null>>();

function nestedField(info: GraphQLResolveInfo, field: string, onRows = false): NestedField | null {
  let byName = nestedFields.get(info.fieldNodes);
  if (!byName) nestedFields.set(info.fieldNodes, (byName = new Map()));
  const name = `${onRows ? 'rows.' : ''}${field}`;
  let nested = byName.get(name);
  if (nested === undefined) byName.set(name, (nested = findNested(info, field, onRows)));
  return nested;
}

// The row fields of a connection's selection: its `nodes`, and its `edges`' `node`; with
// the fields they are selected through.
function rowFields(info: GraphQLResolveInfo): { rows: FieldNode[]; through: FieldNode[] } {
  const sets = info.fieldNodes.flatMap((node) => selectedFields(node.selectionSet, info));
  const edges = sets.filter((f) => f.name.value === 'edges');
  const rows = [...sets.filter((f) => f.name.value === 'nodes'), ...edges.flatMap((e) => selectedFields(e.selectionSet, info).filter((f) => f.name.value === 'node'))];
  return { rows, through: [...info.fieldNodes, ...edges] };
}

// Whether a selection set holds, at its own level (through fragments), a fragment under
// @include/@skip: what is selected there then depends on the variables.
function conditional(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') continue;
    if (selection.directives?.length) return true;
    const fragment = selection.kind === 'InlineFragment' ? selection.selectionSet : info.fragments[selection.name.value]?.selectionSet;
    if (conditional(fragment, info)) return true;
  }
  return false;
}

function findNested(info: GraphQLResolveInfo, field: string, onRows: boolean): NestedField | null {
  const returned = getNamedType(info.returnType);
  const nodes = onRows && isObjectType(returned) ? returned.getFields().nodes : undefined;
  const parentType = onRows ? nodes && getNamedType(nodes.type) : returned;
  const definition = isObjectType(parentType) ? parentType.getFields()[field] : undefined;
  if (!definition) return null;
  const { rows, through } = onRows ? rowFields(info) : { rows: info.fieldNodes, through: [] };
  // Rows selected one way (`nodes`, or `edges { node }`, not both), and none of it under a condition.
  if (onRows && (rows.length !== 1 || rows[0].directives?.length)) return null;
  if ([...through, ...rows].some((node) => conditional(node.selectionSet, info))) return null;
  const fieldNodes = rows.flatMap((node) => selectedFields(node.selectionSet, info)).filter((f) => f.name.value === field);
  const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;
  // Selected once (under one response key, so with one set of arguments), and not conditionally.
  if (fieldNodes.length === 0 || fieldNodes.some((f) => responseKey(f) !== responseKey(fieldNodes[0]) || f.directives?.length)) return null;
  return { fieldNodes, fragments: info.fragments, parentType: parentType as GraphQLObjectType, fieldName: field, returnType: definition.type, definition };
}

/**
 * The key the connection `field`, selected on the row being resolved, will load (its
 * arguments and selection as its own resolver will see them), worked out ahead so that the
 * row and that page can be read in one statement. Undefined when the field is not selected,
 * is selected twice or under a directive, asks for no rows, or has an argument its own
 * resolver will refuse.
 */
export function selectedPage(parentId: number, info: GraphQLResolveInfo, field: string, joinable?: Joinable, nests?: Nests): ChildPageKey | undefined {
  const nested = nestedField(info, field);
  if (!nested) return undefined;
  try {
    const args = getArgumentValues(nested.definition, nested.fieldNodes[0], info.variableValues) as ConnectionArgs;
    const fieldInfo = { ...nested, variableValues: info.variableValues } as unknown as GraphQLResolveInfo;
    const key = childPage(parentId, args, fieldInfo, joinable);
    if (key.page.size === 0) return undefined;
    const inner = nests && nestedOnRows(fieldInfo, nests);
    return inner ? { ...key, nested: inner } : key;
  } catch {
    return undefined;
  }
}
