import { printSchema } from 'graphql';
import { buildSchema } from '../../src/schema';

describe('GraphQL schema', () => {
  it('matches the committed snapshot', () => {
    expect(printSchema(buildSchema())).toMatchSnapshot();
  });

  it('documents every list as a connection with a description on its page fields', () => {
    const schema = buildSchema();
    const connection = schema.getType('TrackConnection')!;
    expect(connection.toConfig()).toBeDefined();
    expect(schema.getType('PageInfo')!.description).toMatch(/Relay/);
  });
});
