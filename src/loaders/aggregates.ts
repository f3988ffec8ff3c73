import DataLoader from 'dataloader';
import type { ModelName } from '../generated/model-meta';
import { delegate } from '../db/delegate';
import type { FieldOf } from '../sql/identifiers';
import { loaderOptions, recordBatch, type LoaderSite } from './batch';

/**
 * An aggregate of `model` rows per parent: their count, or the sum of `sum`. Parents
 * with no rows get 0 (count) or null (sum).
 */
export function aggregateByParent<M extends ModelName, V = number>({ db, style, name }: LoaderSite, model: M, parentField: FieldOf<M>, sum?: FieldOf<M>): DataLoader<number, V> {
  return new DataLoader<number, V>(async (parentIds) => {
    recordBatch(db, name, parentIds.length);
    const groups = await db.run((prisma) =>
      delegate(prisma, model).groupBy({
        by: [parentField],
        where: { [parentField]: { in: parentIds as number[] } },
        ...(sum ? { _sum: { [sum]: true } } : { _count: { _all: true } }),
      }),
    );
    const values = new Map(
      groups.map((g) => [g[parentField] as number, (sum ? (g._sum as Record<string, unknown>)[sum] : (g._count as { _all: number })._all) as V]),
    );
    return parentIds.map((id) => values.get(id) ?? ((sum ? null : 0) as V));
  }, loaderOptions(name, style));
}
