import pg from 'pg';
import { ArrayStatement } from '../../src/db/array-statement';
import { RequestDb } from '../../src/db/request-db';
import { newOperationStats, type StatementScope } from '../../src/db/stats';
import { statementName } from '../../src/db/statements';
import { useTestPool } from '../helpers/database';

// One connection, so every statement below runs on the same backend as the one before.
const pool = useTestPool(1);
const scope = (): StatementScope => ({ stats: newOperationStats(), clients: new Set() });
const run = (sql: string, values: unknown[] = [], name = statementName(sql, values.length)) => pool.db.pool.queryFor(scope(), sql, values, name);
const backend = async () => (await run('SELECT pg_backend_pid()'))[0][0];
const unwritable = {
  toPostgres() {
    throw new Error('not a value');
  },
};

// Our own statements go to PostgreSQL as src/db/array-statement.ts sends them: no Describe,
// rows as arrays of PostgreSQL's text, prepared once per connection under a name Prisma's
// statements share.
describe('our statements on the pool', () => {
  it("returns each row as its values' text, NULL as null, with the values bound as pg writes them", async () => {
    const rows = await run('SELECT $1::int + 1, NULL::text, $2::text, $3::int[], x FROM generate_series(1, 2) x', [41, 'é ☃', [1, 2]]);
    expect(rows).toEqual([
      ['42', null, 'é ☃', '{1,2}', '1'],
      ['42', null, 'é ☃', '{1,2}', '2'],
    ]);
    expect(await run('SELECT 1 WHERE false')).toEqual([]);
  });

  it('prepares a statement once per connection, under its name', async () => {
    const sql = 'SELECT album_id FROM album WHERE album_id = $1';
    const pid = await backend();
    for (let i = 0; i < 3; i++) expect(await run(sql, [i + 1])).toEqual([[String(i + 1)]]);
    const prepared = await run('SELECT name FROM pg_prepared_statements WHERE statement = $1', [sql]);
    expect(prepared).toEqual([[statementName(sql, 1)]]);
    expect(await backend()).toBe(pid);
  });

  it('reads a page statement’s JSON column', async () => {
    const request = new RequestDb(pool.db, 1);
    expect(await request.columns("SELECT json_build_array(ARRAY[1, 2], ARRAY['a', NULL])", [])).toEqual([
      [1, 2],
      ['a', null],
    ]);
    expect(await request.columns('SELECT 1 WHERE false', [])).toEqual([]);
  });

  it('fails a statement whose name another statement holds on the connection, sending nothing, and the connection goes on', async () => {
    const pid = await backend();
    const taken = statementName('SELECT pg_backend_pid()', 0);
    await expect(run('SELECT 2', [], taken)).rejects.toThrow(/used for another statement/);
    // Refused before anything was sent, so the protocol is in step: the next statement is answered, on a fresh connection.
    expect(await run('SELECT 3')).toEqual([['3']]);
    expect(await backend()).not.toBe(pid);
  });

  it('fails on an SQL error with its code, and keeps the connection, still in step', async () => {
    const pid = await backend();
    await expect(run('SELECT 1 / $1::int', [0])).rejects.toMatchObject({ code: '22012' });
    expect(await run('SELECT 1 / $1::int', [1])).toEqual([['1']]);
    expect(await backend()).toBe(pid);
  });

  it('fails on a value pg cannot write, leaving no statement half sent', async () => {
    await expect(run('SELECT $1::text AS never_sent', [unwritable])).rejects.toThrow('not a value');
    expect(await run('SELECT $1::text', ['after'])).toEqual([['after']]);
  });

  it('runs unnamed, parsed at every run, when it has no name', async () => {
    const sql = 'SELECT $1::int * 2 AS unnamed';
    const unnamed = (value: number) => pool.db.pool.queryFor(scope(), sql, [value], undefined);
    expect(await unnamed(21)).toEqual([['42']]);
    expect(await unnamed(4)).toEqual([['8']]);
    expect(await run("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1 AND name <> ''", [sql])).toEqual([['0']]);
  });
});

describe('a cancelled connection', () => {
  it('goes back to the pool only once PostgreSQL has taken the cancel request, so the next statement on it is not the one cancelled', async () => {
    const pid = await backend();
    for (let i = 0; i < 5; i++) {
      const client = await pool.db.pool.connect();
      // Nothing runs on it: PostgreSQL ignores the cancel when it arrives between statements.
      pool.db.pool.cancel(client);
      client.release();
      // The pool's only connection: this statement waits for it, and must run to its end.
      expect(await run('SELECT pg_sleep(0.05)::text, 1')).toEqual([['', '1']]);
    }
    // Kept, not reopened.
    expect(await backend()).toBe(pid);
  });

  it('is kept after its statement was cancelled', async () => {
    const pid = await backend();
    const request = new RequestDb(pool.db, 1);
    const sleeping = request.rows('SELECT pg_sleep(5)', []);
    await new Promise((r) => setTimeout(r, 100));
    request.cancel(new Error('client hung up'));
    await expect(sleeping).rejects.toMatchObject({ code: '57014' });
    expect(await run('SELECT 1')).toEqual([['1']]);
    expect(await backend()).toBe(pid);
  });
});

// queryFor closes a connection after any error but an SQL one, which would hide what a
// failed statement leaves on it: these run on one plain connection that outlives them.
describe('our statements on one connection, after their failures', () => {
  let client: pg.Client;
  beforeEach(async () => {
    client = new pg.Client({ connectionString: pool.database.url });
    await client.connect();
  });
  afterEach(() => client.end().catch(() => undefined));
  const send = (text: string, values: unknown[], name: string | undefined, answers: unknown[] = []) =>
    new Promise<unknown[][]>((resolve, reject) => {
      client.query(new ArrayStatement(text, values, name, (err, rows) => (answers.push(err ?? rows), err ? reject(err) : resolve(rows))));
    });

  it('parses a named statement again after its Parse failed', async () => {
    await expect(send('SELECT n FROM made_later', [], 'later')).rejects.toMatchObject({ code: '42P01' });
    await send('CREATE TEMP TABLE made_later AS SELECT 7 AS n', [], undefined);
    expect(await send('SELECT n FROM made_later', [], 'later')).toEqual([['7']]);
  });

  it('keeps a named statement usable after a value pg cannot write, prepared before or not', async () => {
    await expect(send('SELECT $1::int', [unwritable], 'first')).rejects.toThrow('not a value');
    expect(await send('SELECT $1::int', [3], 'first')).toEqual([['3']]);
    expect(await send('SELECT $1::text', ['a'], 'again')).toEqual([['a']]);
    await expect(send('SELECT $1::text', [unwritable], 'again')).rejects.toThrow('not a value');
    expect(await send('SELECT $1::text', ['b'], 'again')).toEqual([['b']]);
  });

  it('answers once, even when the connection ends before the ReadyForQuery that closes a failed statement', async () => {
    const answers: unknown[] = [];
    await expect(send('SELECT $1::text', [unwritable], 'ended', answers)).rejects.toThrow('not a value');
    await client.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(answers).toHaveLength(1);
  });
});

describe('a prepared statement gone stale', () => {
  it('closes its connection, so the next run prepares it afresh', async () => {
    await run('CREATE TABLE stale_shape (v int)', [], undefined);
    await run('INSERT INTO stale_shape VALUES (1)', [], undefined);
    const sql = 'SELECT * FROM stale_shape';
    expect(await run(sql)).toEqual([['1']]);
    const pid = await backend();
    await run('ALTER TABLE stale_shape ALTER COLUMN v TYPE text', [], undefined);
    // PostgreSQL refuses the cached plan once (0A000): kept, the connection would refuse it at every run.
    await expect(run(sql)).rejects.toMatchObject({ code: '0A000' });
    expect(await run(sql)).toEqual([['1']]);
    expect(await backend()).not.toBe(pid);
  });
});
