// Each statement we and Prisma send gets a name and is prepared once per pooled
// connection: later runs skip PostgreSQL's parse, and its planning once PostgreSQL settles
// on a generic plan. Their text depends on what a client selected, so clients can make
// many; past the cap, new ones run unnamed (parsed each time), so neither this map nor the
// server's per-connection statements grow without bound. Names are never reused: pg
// refuses a name bound to other text.
const statementNames = new Map<string, string>();
const MAX_PREPARED = 500;
// Prisma writes `IN ($1, $2, …)` with a placeholder per id, so each batch size of a loader
// is a text of its own. Texts with more parameters than this rarely come again: they run
// unnamed rather than use up names.
const MAX_PARAMETERS = 32;

/** The name `sql` is prepared under, or `undefined` when it should run unnamed. */
export function statementName(sql: string, parameters: number): string | undefined {
  if (parameters > MAX_PARAMETERS) return undefined;
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) statementNames.set(sql, (name = `media_store_${statementNames.size + 1}`));
  return name;
}
