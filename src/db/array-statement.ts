/*
 * How our own statements (../sql/page-statement.ts, list-statement.ts) go to PostgreSQL:
 * a pg "submittable", the extension point pg-cursor and pg-query-stream use, instead of
 * a config object that pg turns into its own Query.
 *
 * Every request sends one or more of them, so what pg does per statement is paid per
 * request. Its Query copies the config through property descriptors, asks the server to
 * describe the result's columns, then builds an object-row template and a parser per
 * column from that description: about 13 µs of an album-by-id request's 140 µs in a CPU
 * profile, for rows we read as arrays of text and decode ourselves (../sql/codecs.ts).
 * Here a statement is bound and executed without a Describe (PostgreSQL sends the rows in
 * text without one), and each row is the array of text values pg's protocol parser made.
 *
 * The protocol flow is the one pg's Query follows for a prepared statement: Parse (once
 * per connection and name, recorded where pg records its own, since Prisma's statements
 * share the connections and the names), Bind, Execute, Sync; the answer at ReadyForQuery,
 * or the error as soon as PostgreSQL reports one (pg then waits for ReadyForQuery itself).
 */
import pg from 'pg';

/** The parts of pg's connection a prepared statement is sent through (pg.Connection, typed loosely by @types/pg). */
interface ProtocolConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(query: { text: string; name?: string; types?: number[] }): void;
  bind(config: { statement?: string; values: unknown[]; valueMapper: (value: unknown) => unknown }): void;
  execute(config: Record<string, never>): void;
  sync(): void;
}

type Done = (err: Error | undefined, rows: Array<Array<string | null>>) => void;

const NO_ROWS: never[] = [];
// pg's own conversion of values for Bind (arrays as array literals, dates, buffers, …); pg exports it untyped.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

/**
 * One statement whose rows come back as arrays of PostgreSQL's text (null for NULL). Its
 * `name` makes it prepared once per connection; without one it is parsed at every run.
 */
export class ArrayStatement implements pg.Submittable {
  // Read by pg's client: it wraps this when a query_timeout is set.
  callback: Done;
  private readonly rows: Array<Array<string | null>> = [];
  private settled = false;

  // `text` and `name` are read by pg's client too: at ParseComplete it records the statement under them.
  constructor(
    readonly text: string,
    readonly values: unknown[],
    readonly name: string | undefined,
    done: Done,
  ) {
    this.callback = done;
  }

  /** Sends the statement; an Error returned is handed back to {@link handleError} by pg's client, as its Query's are. */
  submit(connection: pg.Connection): Error | undefined {
    const con = connection as unknown as ProtocolConnection;
    const { name, text } = this;
    const known = name === undefined ? undefined : (con.parsedStatements[name] ?? con.submittedNamedStatements[name]);
    if (known !== undefined && known !== text) return new Error(`Prepared statement ${name} was used for another statement`);
    // Corked, the messages leave in one write, as pg's Query sends them.
    con.stream.cork?.();
    try {
      if (known === undefined) {
        con.parse({ text, name });
        if (name !== undefined) con.submittedNamedStatements[name] = text;
      }
      try {
        con.bind({ statement: name, values: this.values, valueMapper: prepareValue });
      } catch (err) {
        // A value pg cannot write: nothing of the Bind was sent. Sync alone, so a Parse just
        // sent completes and is recorded as the server keeps it (pg's Query also closes the
        // statement, which leaves pg believing in one the server dropped), and ReadyForQuery
        // still ends this statement.
        con.sync();
        this.handleError(err as Error);
        return undefined;
      }
      con.execute({});
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
    return undefined;
  }

  handleRowDescription(): void {}

  handleDataRow(message: { fields: Array<string | null> }): void {
    this.rows.push(message.fields);
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  // Answered once: pg may report a second error for a statement already failed (its
  // connection ended before the ReadyForQuery that would have closed it).
  handleError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.callback(err, NO_ROWS);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.callback(undefined, this.rows);
  }

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('No COPY source: this statement reads rows');
  }

  handleCopyData(): void {}
}
