import { getNamedType, isObjectType, type GraphQLNamedType } from 'graphql';
import { buildSchema } from '../../src/schema';

/*
 * playlistChanged puts all its subscribers in one access class ('public'), so one
 * subscriber's answer is resolved with another's viewer. That is only right while nothing a
 * PlaylistChange reaches depends on who asks: the catalog, which anyone may read.
 */
const CATALOG = new Set(['PlaylistChange', 'PlaylistChangeKind', 'Playlist', 'Track', 'Album', 'Artist', 'Genre', 'MediaType', 'PageInfo', 'ID', 'String', 'Int', 'Float', 'Boolean', 'Decimal', 'DateTime']);

function reachable(from: GraphQLNamedType): Set<string> {
  const seen = new Set<string>();
  const visit = (type: GraphQLNamedType) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    if (isObjectType(type)) for (const field of Object.values(type.getFields())) visit(getNamedType(field.type));
  };
  visit(from);
  return seen;
}

test('everything a PlaylistChange reaches is the catalog (so its subscribers may share one answer)', () => {
  const schema = buildSchema();
  const types = [...reachable(schema.getType('PlaylistChange')!)].filter((name) => !/(Connection|Edge)$/.test(name));
  expect(types.filter((name) => !CATALOG.has(name))).toEqual([]);
});
