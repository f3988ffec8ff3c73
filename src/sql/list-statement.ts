/*
 * A top-level list's statement, written by us rather than by Prisma: the rows of a model
 * that match a filter, in a total order, after a cursor, with the selected to-one
 * relations joined, as plain rows that ./row-builder.ts builds as it builds a lookup's.
 *
 * Prisma wrote this statement before, with each joined relation as JSONB built per row in
 * a LATERAL subquery and the page size in sight of the planner, so it was planned at every
 * run; ours cost PostgreSQL less than half as much for 50 albums with their artists.
 * Filters arrive as Prisma `where` objects (the resolvers' one language for them, which
 * `count` still takes); the few forms our filters use are written here, and a list whose
 * filter holds anything else is left to Prisma (`undefined`).
 */
import { modelMeta, type ModelName } from '../generated/model-meta';
import { Prisma } from '../generated/prisma/client';
import { columnOf, tableOf, typeOf } from './identifiers';
import { aliased, joinClauses, rowColumns } from './page-statement';
import type { PagePlan } from './page-plan';

/** A statement and its values. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** What a list reads: its filter, its order (fields, the last unique), a cursor's values to seek past, and how many rows. */
export interface ListRead {
  where: Record<string, unknown>;
  fields: readonly string[];
  descending: boolean;
  after?: readonly unknown[];
  limit: number;
}

/** How a value of one Prisma type goes into a statement: whether it is one, its parameter, and the SQL reading that. */
interface Scalar {
  accepts(value: unknown): boolean;
  param(value: unknown): unknown;
  read(placeholder: string): string;
}

const asIs = (value: unknown) => value;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// An instant as UTC wall time to the millisecond ('2024-05-01T12:00:00.000'), for years 0–9999.
const utcText = (value: unknown) => {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  const text = date && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
  return /^\d{4}-/.test(text) ? text.slice(0, -1) : undefined;
};

// Integers and text go in as they are: PostgreSQL infers their types from the columns they
// are compared with. Decimals go in as their text, read as numeric (exact). Instants go in
// as UTC wall time, read as a timestamp (exact): a timestamp without a zone holds UTC, as
// Prisma writes it, and a date compares as its midnight, whatever the session's zone.
const SCALARS = new Map<string, Scalar>([
  ['Int', { accepts: (value) => Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31, param: asIs, read: (p) => p }],
  ['String', { accepts: (value) => typeof value === 'string', param: asIs, read: (p) => p }],
  [
    'Decimal',
    {
      accepts: (value) => (typeof value === 'number' && Number.isFinite(value)) || ((typeof value === 'string' || Prisma.Decimal.isDecimal(value)) && NUMERIC.test(String(value))),
      param: String,
      read: (p) => `${p}::numeric`,
    },
  ],
  ['DateTime', { accepts: (value) => utcText(value) !== undefined, param: utcText, read: (p) => `${p}::timestamp` }],
]);
const COMPARISONS = new Map([
  ['equals', '='],
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
]);

/** The statement of a list of `model` rows, or `undefined` when its filter or cursor holds a form not written here. */
export function listStatement(model: ModelName, plan: PagePlan, read: ListRead): Statement | undefined {
  const params: unknown[] = [];
  const filter = condition(model, read.where, params);
  if (filter === undefined) return undefined;
  // Like the filter's, a cursor's values must be of fields we write, and not null (a row
  // comparison with null matches nothing, where the order puts nulls last).
  if (read.after && !read.after.every((value, i) => isScalarOf(model, read.fields[i], value))) return undefined;
  const conditions = filter === '' ? [] : [filter];
  const columns = read.fields.map((f) => `c.${columnOf(model, f)}`);
  if (read.after) conditions.push(`(${columns.join(', ')}) ${read.descending ? '<' : '>'} (${read.after.map((value, i) => valueOf(model, read.fields[i], value, params)).join(', ')})`);
  const direction = read.descending ? ' DESC' : '';
  // Unfiltered, the plan is the same for any page size, so the size is hidden from the
  // planner (as in ./page-statement.ts) and the plan made once. A filter's best plan
  // depends on its values, so the planner sees them all, as it saw Prisma's: it plans for
  // them until a generic plan looks as cheap. (Sending filtered lists unnamed, to be
  // planned for their values at every run, cost the title search 75% more PostgreSQL CPU.)
  const limit = filter === '' ? `(SELECT ${place(params, read.limit)}::int)` : place(params, read.limit);
  const sql =
    head(model, plan) +
    (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '') +
    ` ORDER BY ${columns.map((column) => column + direction).join(', ')} LIMIT ${limit}`;
  return { sql, params };
}

// What every list of a plan reads, and from where: built once per plan, as a page's statement is.
function head(model: ModelName, plan: PagePlan): string {
  let sql = plan.sql.get('list');
  if (sql === undefined) {
    const select = [...rowColumns(model, plan), `c.${columnOf(model, 'id')}`];
    plan.sql.set('list', (sql = `SELECT ${aliased(select)} FROM ${tableOf(model)} c${joinClauses(model, plan)}`));
  }
  return sql;
}

const place = (params: unknown[], value: unknown) => `$${params.push(value)}`;
const isScalarOf = (model: ModelName, field: string, value: unknown) => SCALARS.get(typeOf(model, field))?.accepts(value) ?? false;
// A value of `model.field` as a parameter (checked by isScalarOf first).
function valueOf(model: ModelName, field: string, value: unknown, params: unknown[]): string {
  const scalar = SCALARS.get(typeOf(model, field))!;
  return scalar.read(place(params, scalar.param(value)));
}

// The SQL of a Prisma `where` over `model`'s columns: '' for no condition, undefined for a form not written here.
function condition(model: ModelName, where: Record<string, unknown>, params: unknown[]): string | undefined {
  const terms: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    const term = key === 'AND' || key === 'OR' ? combined(model, key, value, params) : fieldTerm(model, key, value, params);
    if (term === undefined) return undefined;
    if (term !== '') terms.push(term);
  }
  return terms.length > 1 ? `(${terms.join(' AND ')})` : (terms[0] ?? '');
}

// AND and OR of filters, as Prisma reads them: an empty AND is no condition, an empty OR matches nothing.
function combined(model: ModelName, key: 'AND' | 'OR', value: unknown, params: unknown[]): string | undefined {
  const members = Array.isArray(value) ? value : [value];
  const terms: string[] = [];
  for (const member of members) {
    if (member === null || typeof member !== 'object') return undefined;
    const term = condition(model, member as Record<string, unknown>, params);
    if (term === undefined) return undefined;
    if (term === '' && key === 'OR') return '';
    if (term !== '') terms.push(term);
  }
  if (key === 'OR') return terms.length ? `(${terms.join(' OR ')})` : 'FALSE';
  return terms.length > 1 ? `(${terms.join(' AND ')})` : (terms[0] ?? '');
}

// One field's filter: a value it equals, a substring it contains, or comparisons.
function fieldTerm(model: ModelName, field: string, value: unknown, params: unknown[]): string | undefined {
  if (!Object.hasOwn(modelMeta[model].types, field) || !SCALARS.has(typeOf(model, field))) return undefined;
  const column = `c.${columnOf(model, field)}`;
  if (isScalarOf(model, field, value)) return `${column} = ${valueOf(model, field, value, params)}`;
  if (value === null || typeof value !== 'object') return undefined;
  const { contains, mode, ...rest } = value as Record<string, unknown>;
  const terms: string[] = [];
  if (mode !== undefined && (contains === undefined || (mode !== 'insensitive' && mode !== 'default') || Object.values(rest).some((v) => v !== undefined))) {
    return undefined; // a mode applies to every operator beside it: written here for `contains` alone
  }
  if (contains !== undefined) {
    // Prisma's `contains` is a LIKE pattern between two %: its text is escaped by whoever builds the filter.
    if (typeof contains !== 'string' || typeOf(model, field) !== 'String') return undefined;
    terms.push(`${column} ${mode === 'insensitive' ? 'ILIKE' : 'LIKE'} ${place(params, `%${contains}%`)}`);
  }
  for (const [op, operand] of Object.entries(rest)) {
    if (operand === undefined) continue;
    const comparison = COMPARISONS.get(op);
    if (!comparison || !isScalarOf(model, field, operand)) return undefined;
    terms.push(`${column} ${comparison} ${valueOf(model, field, operand, params)}`);
  }
  return terms.join(' AND ');
}
