// Each statement we and Prisma send gets a name and is prepared once per pooled
// connection: later runs skip PostgreSQL's parse and plan. Their text depends on what a
// client selected (and on how many ids Prisma lists), so clients can make many; past the
// cap, new ones run unnamed (parsed each time), so neither this map nor the server's
// per-connection statements grow without bound. Names are never reused: pg refuses a name
// bound to other text.
const statementNames = new Map<string, string>();
const MAX_PREPARED = 1000;

/** The name `sql` is prepared under, or `undefined` once the cap is reached: run it unnamed. */
export function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) statementNames.set(sql, (name = `media_store_${statementNames.size + 1}`));
  return name;
}
