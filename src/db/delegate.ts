import type { ModelName } from '../generated/model-meta';
import type { Queryable } from './request-db';

/** The Prisma model methods our generic loaders and lists call. */
export interface Delegate {
  findMany(args: unknown): Promise<Array<Record<string, unknown>>>;
  groupBy(args: unknown): Promise<Array<Record<string, unknown>>>;
  count(args: unknown): Promise<number>;
}

/**
 * Prisma's delegate for `model` (`prisma.album` for Album).
 * @throws Error naming the model when Prisma has no such delegate
 */
export function delegate(prisma: Queryable, model: ModelName): Delegate {
  const found = (prisma as unknown as Record<string, Delegate | undefined>)[model[0].toLowerCase() + model.slice(1)];
  if (!found) throw new Error(`Prisma has no delegate for model ${model}: is it in schema.prisma, and was the client regenerated?`);
  return found;
}
