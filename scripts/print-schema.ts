/**
 * `npm run generate` step: prints the executable schema to `schema.graphql` at the root,
 * the file clients point their code generation at. It is committed, and a test fails
 * when it no longer matches the schema (test/integration/schema.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { buildSchema } from '../src/schema';

/** The committed printed schema. */
export const SCHEMA_FILE = join(__dirname, '..', 'schema.graphql');

/** The schema as printed into {@link SCHEMA_FILE}. */
export function printedSchema(): string {
  return `${printSchema(buildSchema())}\n`;
}

if (require.main === module) writeFileSync(SCHEMA_FILE, printedSchema());
