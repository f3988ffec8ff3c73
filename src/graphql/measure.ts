import {
  Kind,
  valueFromASTUntyped,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './connections';

/** What an operation asks for, counted as if every fragment were written out in place. */
export interface Measure {
  /** Deepest field nesting (introspection fields not counted: graphql-js bounds those). */
  depth: number;
  aliases: number;
  directives: number;
  /** Field selections. */
  fields: number;
  /** Rows the operation may read: each page at the size it asks for, each lookup one. */
  cost: number;
  /** Whether a string argument written in the document holds a NUL character, which PostgreSQL refuses. */
  nul: boolean;
  /** The part of `cost` paid once per list, not per row (a connection's totalCount). */
  perList: number;
}

/** Rows assumed for a list that is not a connection (e.g. the sales report's groups). */
const UNPAGED_LIST_ROWS = 20;

const ZERO: Measure = Object.freeze({ depth: 0, aliases: 0, directives: 0, fields: 0, cost: 0, nul: false, perList: 0 });

// Connection, edge and page-info objects are wrappers: their fields read no row of their own.
const isWrapper = (type: GraphQLCompositeType) => /(Connection|Edge)$/.test(type.name) || type.name === 'PageInfo';

function add(a: Measure, b: Measure, scale = 1): Measure {
  return {
    depth: Math.max(a.depth, b.depth),
    aliases: a.aliases + b.aliases,
    directives: a.directives + b.directives,
    fields: a.fields + b.fields,
    cost: a.cost + b.cost * scale,
    nul: a.nul || b.nul,
    perList: a.perList + b.perList * scale,
  };
}

function hasNul(value: ValueNode): boolean {
  if (value.kind === Kind.STRING) return value.value.includes('\0');
  if (value.kind === Kind.LIST) return value.values.some(hasNul);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => hasNul(f.value));
  return false;
}

// What measuring one operation needs: the schema, the document's fragments (each measured
// once), and the request's variables (page sizes may come from them).
interface Measuring {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  measured: Map<string, Measure>;
  variables: Record<string, unknown>;
  /** Set once a page size was read from a variable: the measure then holds for these variables only. */
  readVariables: boolean;
}

function pageSize(field: FieldNode, m: Measuring): number {
  let size: number | undefined;
  for (const argument of field.arguments ?? []) {
    if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
    if (argument.value.kind === Kind.VARIABLE) m.readVariables = true;
    const value = argument.value.kind === Kind.VARIABLE ? m.variables[argument.value.name.value] : argument.value.kind === Kind.INT ? Number(argument.value.value) : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, Math.min(Math.max(value, 0), MAX_PAGE_SIZE));
  }
  return size ?? DEFAULT_PAGE_SIZE;
}

// The rows a field reads beyond its page, as its SDL declares with @cost(rows: N).
const declaredCosts = new WeakMap<object, number>();
function declaredCost(definition: GraphQLField<unknown, unknown> | undefined): number {
  const node = definition?.astNode;
  if (!node) return 0;
  let rows = declaredCosts.get(node);
  if (rows === undefined) {
    const argument = node.directives?.find((d) => d.name.value === 'cost')?.arguments?.find((a) => a.name.value === 'rows');
    rows = argument?.value.kind === Kind.INT ? Number(argument.value.value) : 0;
    declaredCosts.set(node, rows);
  }
  return rows;
}

function fieldMeasure(m: Measuring, field: FieldNode, parent: GraphQLCompositeType): Measure {
  const own: Measure = {
    ...ZERO,
    fields: 1,
    aliases: field.alias ? 1 : 0,
    directives: field.directives?.length ?? 0,
    nul: (field.arguments ?? []).some((a) => hasNul(a.value)),
  };
  const name = field.name.value;
  const definition: GraphQLField<unknown, unknown> | undefined = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  const type = definition && getNamedType(definition.type);
  const extra = declaredCost(definition);
  if (!field.selectionSet || !type || !isCompositeType(type)) return { ...own, depth: 1, cost: extra, perList: isWrapper(parent) ? extra : 0 };
  const child = setMeasure(m, field.selectionSet, type);
  if (name.startsWith('__')) return { ...add(own, { ...child, cost: 0 }), depth: 1 };
  const nullable = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
  let cost: number;
  if (/Connection$/.test(type.name)) cost = 1 + pageSize(field, m) * (1 + child.cost - child.perList) + child.perList;
  else if (isWrapper(type) || isWrapper(parent)) cost = child.cost;
  else if (isListType(nullable)) cost = UNPAGED_LIST_ROWS * (1 + child.cost);
  else cost = 1 + child.cost;
  return { ...add(own, child), depth: child.depth + 1, cost: cost + extra, perList: 0 };
}

function setMeasure(m: Measuring, set: SelectionSetNode, type: GraphQLCompositeType): Measure {
  let total = ZERO;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      total = add(total, fieldMeasure(m, selection, type));
      continue;
    }
    const directives = { ...ZERO, directives: selection.directives?.length ?? 0 };
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? m.schema.getType(selection.typeCondition.name.value) : type;
      total = add(total, add(directives, on && isCompositeType(on) ? setMeasure(m, selection.selectionSet, on) : ZERO));
    } else {
      total = add(total, add(directives, fragmentMeasure(m, selection.name.value)));
    }
  }
  return total;
}

function fragmentMeasure(m: Measuring, name: string): Measure {
  const known = m.measured.get(name);
  if (known) return known;
  // Validation refuses cycles and unknown fragments; this only keeps a slip from recursing.
  m.measured.set(name, ZERO);
  const fragment = m.fragments.get(name);
  const on = fragment && m.schema.getType(fragment.typeCondition.name.value);
  const result = fragment && on && isCompositeType(on) ? add({ ...ZERO, directives: fragment.directives?.length ?? 0 }, setMeasure(m, fragment.selectionSet, on)) : ZERO;
  m.measured.set(name, result);
  return result;
}

/**
 * Measures one operation of a validated document. Each fragment is measured once and its
 * measure reused wherever it is spread (costs scale linearly with the rows above them), so
 * a document that doubles a fragment forty times is measured in microseconds, though
 * written out it would hold 2^40 fields.
 */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): Measure {
  const known = measuredOperations.get(operation);
  if (known?.schema === schema) return known.measure;
  const { measure, readVariables } = measureAfresh(schema, document, operation, variables);
  if (!readVariables) measuredOperations.set(operation, { schema, measure });
  return measure;
}

// Apollo keeps each parsed document for the next request with the same text, so an
// operation whose page sizes are all written in it is measured once, not per request.
const measuredOperations = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; measure: Measure }>();

function measureAfresh(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const root = schema.getRootType(operation.operation);
  if (!root) return { measure: ZERO, readVariables: false };
  // A variable the client leaves out takes its default, which may ask for a bigger page.
  const effective = { ...variables };
  for (const { variable, defaultValue } of operation.variableDefinitions ?? []) {
    if (defaultValue && effective[variable.name.value] === undefined) effective[variable.name.value] = valueFromASTUntyped(defaultValue);
  }
  const m: Measuring = { schema, fragments, measured: new Map(), variables: effective, readVariables: false };
  const measure = add({ ...ZERO, directives: operation.directives?.length ?? 0 }, setMeasure(m, operation.selectionSet, root));
  return { measure, readVariables: m.readVariables };
}
