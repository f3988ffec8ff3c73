import { readFileSync } from 'node:fs';
import { buildSchema } from '../../src/schema';
import { printedSchema, SCHEMA_FILE } from '../../scripts/print-schema';

describe('GraphQL schema', () => {
  // schema.graphql is what clients generate types from: run `npm run generate` and commit it.
  it('matches the committed schema.graphql', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('documents every list as a connection with a description on its page fields', () => {
    const schema = buildSchema();
    const connection = schema.getType('TrackConnection')!;
    expect(connection.toConfig()).toBeDefined();
    expect(schema.getType('PageInfo')!.description).toMatch(/Relay/);
  });
});
