import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The SDL as written, plus what every list has alike, generated here rather than copied:
 * a field returning `XConnection!` gets the paging arguments, and the file that defines a
 * node type `X` gets `XConnection` and `XEdge` when some field pages it. Both the schema
 * (./index.ts) and GraphQL Code Generator (codegen.ts) read the SDL through this module.
 * No resolver is imported here, so codegen can load it before any code is generated.
 */

const PAGING_ARGUMENTS = 'first: Int, after: String, last: Int, before: String';

// A field whose type is a connection: indent, name, its own arguments if any, the node type.
const CONNECTION_FIELD = /^(\s+)(\w+)(?:\(([^)]*)\))?: (\w+)Connection!/gm;

function connectionTypes(node: string): string {
  return `
type ${node}Connection {
  edges: [${node}Edge!]!
  nodes: [${node}!]!
  pageInfo: PageInfo!
  "Rows in the whole list, not just this page. Costs one more statement; ask only when needed."
  totalCount: Int! @cost(rows: 100)
}
type ${node}Edge {
  cursor: String!
  node: ${node}!
}
`;
}

/** The node types some field pages, in the order the SDL first names them. */
export function pagedNodeTypes(files: readonly string[]): string[] {
  return [...new Set(files.flatMap((sdl) => [...sdl.matchAll(CONNECTION_FIELD)].map((m) => m[4])))];
}

/** Each file with its connection fields' paging arguments and its node types' connection types. */
export function expandConnections(files: readonly string[]): string[] {
  const paged = new Set(pagedNodeTypes(files));
  return files.map((sdl) => {
    const withArguments = sdl.replace(CONNECTION_FIELD, (_, indent: string, name: string, own: string | undefined, node: string) => {
      return `${indent}${name}(${PAGING_ARGUMENTS}${own ? `, ${own}` : ''}): ${node}Connection!`;
    });
    const defined = [...sdl.matchAll(/^type (\w+) /gm)].map((m) => m[1]).filter((type) => paged.has(type));
    return withArguments + defined.map(connectionTypes).join('');
  });
}

/** The SDL files under `dir` (the schema folder), in a stable order, connections expanded. */
export function loadTypeDefs(dir: string = __dirname): string[] {
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
  return expandConnections(files);
}
