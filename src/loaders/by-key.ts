import DataLoader from 'dataloader';
import type { ModelName } from '../generated/model-meta';
import { delegate } from '../db/delegate';
import { loaderOptions, recordBatch, type LoaderSite } from './batch';

/** `model` rows by primary key; `null` for keys with no row. */
export function byKey<Row extends { id: number }>({ db, style, name }: LoaderSite, model: ModelName): DataLoader<number, Row | null> {
  return new DataLoader<number, Row | null>(async (ids) => {
    recordBatch(db, name, ids.length);
    const rows = (await db.run((prisma) => delegate(prisma, model).findMany({ where: { id: { in: ids as number[] } } }))) as Row[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }, loaderOptions(name, style));
}
