import DataLoader from 'dataloader';
import type { ModelName } from '../generated/model-meta';
import { pagePlanner, type PagePlan } from '../sql/page-plan';
import { keyStatement } from '../sql/page-statement';
import { rowBuilder } from '../sql/row-builder';
import { loaderOptions, recordBatch, type LoaderSite } from './batch';

/** Whole rows of `model`: one plan per model, so its statements and row builder are made once. */
const wholeRows = new Map<ModelName, PagePlan>();
export function wholeRow(model: ModelName): PagePlan {
  let plan = wholeRows.get(model);
  if (!plan) wholeRows.set(model, (plan = pagePlanner(model, {})(undefined)));
  return plan;
}

/**
 * `model` rows by primary key; `null` for keys with no row. Read by one of two prepared
 * statements (one key, or any number), and built as pages' rows are
 * (../sql/page-statement.ts), so a row is the same whichever way it was read.
 */
export function byKey<Row extends { id: number }>({ db, style, name }: LoaderSite, model: ModelName): DataLoader<number, Row | null> {
  const plan = wholeRow(model);
  const [one, many] = [keyStatement(model, plan, true), keyStatement(model, plan, false)];
  const build = rowBuilder(model, plan, false, true);
  return new DataLoader<number, Row | null>(async (ids) => {
    recordBatch(db, name, ids.length);
    const rows = ids.length === 1 ? await db.rows(one, [ids[0]]) : await db.rows(many, [ids]);
    const byId = new Map<number, Row>();
    for (const values of rows) {
      const row = build(values) as unknown as Row;
      byId.set(row.id, row);
    }
    return ids.map((id) => byId.get(id) ?? null);
  }, loaderOptions(name, style));
}
