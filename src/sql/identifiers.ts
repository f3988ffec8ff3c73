import { modelMeta, type ModelName } from '../generated/model-meta';

/*
 * SQL names of models and fields, from the metadata generated from schema.prisma: our
 * statements name only what the schema declares, never anything a request sent.
 */

/** A field of `M`, as Prisma names it. */
export type FieldOf<M extends ModelName> = string & keyof (typeof modelMeta)[M]['columns'];

/** `identifier` quoted for PostgreSQL. */
export const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** The quoted table of `model`. */
export const tableOf = (model: ModelName): string => quote(modelMeta[model].table);

/** The quoted column of `model.field`. */
export const columnOf = (model: ModelName, field: string): string => quote((modelMeta[model].columns as Record<string, string>)[field]);

/** The Prisma scalar type of `model.field` (Int, String, Decimal, DateTime, …). */
export const typeOf = (model: ModelName, field: string): string => (modelMeta[model].types as Record<string, string>)[field];

/** Every field of `model` that is a column, in schema order. */
export const fieldsOf = (model: ModelName): string[] => Object.keys(modelMeta[model].columns);
