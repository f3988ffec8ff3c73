import { mkdtempSync, cpSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { getDMMF } from '@prisma/get-dmmf';
import pg from 'pg';
import { applyMigrations, listMigrations, MIGRATIONS_DIR } from '../../src/db/admin/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

async function query<R extends pg.QueryResultRow = any>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase({ empty: true });
});
afterEach(async () => {
  await database.drop();
});

describe('applyMigrations', () => {
  it('applies every migration once and records it as Prisma does', async () => {
    const applied = await applyMigrations(database.url);
    expect(applied).toEqual(listMigrations(MIGRATIONS_DIR));
    const rows = await query(database.url, 'SELECT * FROM _prisma_migrations ORDER BY started_at');
    expect(rows).toHaveLength(applied.length);
    for (const [i, row] of rows.entries()) {
      const script = readFileSync(join(MIGRATIONS_DIR, applied[i], 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: applied[i],
        checksum: createHash('sha256').update(script).digest('hex'),
        applied_steps_count: 1,
        logs: null,
        rolled_back_at: null,
      });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });

  it('is a no-op the second time', async () => {
    await applyMigrations(database.url);
    const before = await query(database.url, 'SELECT * FROM _prisma_migrations');
    expect(await applyMigrations(database.url)).toEqual([]);
    expect(await query(database.url, 'SELECT * FROM _prisma_migrations')).toEqual(before);
  });

  it('keeps a failed migration as a failed row that blocks the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    mkdirSync(join(dir, '99990101000000_broken'));
    writeFileSync(join(dir, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n');

    await expect(applyMigrations(database.url, dir)).rejects.toMatchObject({ code: 'P3018', message: expect.stringContaining('no_such_table') });
    const [failed] = await query(database.url, "SELECT * FROM _prisma_migrations WHERE migration_name = '99990101000000_broken'");
    expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failed.logs).toContain('no_such_table');
    // The script ran as one implicit transaction: nothing of it is left behind.
    expect(await query(database.url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);

    await expect(applyMigrations(database.url, dir)).rejects.toMatchObject({
      code: 'P3009',
      message: expect.stringMatching(/99990101000000_broken failed earlier.*migrate resolve/),
    });
  });

  it('refuses a non-empty schema that has no migrations table', async () => {
    await query(database.url, 'CREATE TABLE legacy (id int)');
    await expect(applyMigrations(database.url)).rejects.toMatchObject({ code: 'SCHEMA_NOT_EMPTY' });
  });

  it('waits for the advisory lock held by another migrator', async () => {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock(72707369)');
    const run = applyMigrations(database.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await query(database.url, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);
    await holder.end();
    expect((await run).length).toBeGreaterThan(0);
  });
});

describe('migrated schema', () => {
  // Prisma's own names for what `prisma migrate dev` would create from schema.prisma.
  function expectedSchema() {
    const datamodel = readFileSync(join(__dirname, '../../prisma/schema.prisma'), 'utf8');
    const dmmf = getDMMF({ datamodel });
    if (!('datamodel' in dmmf)) throw dmmf.error;
    // Views are checked on their own below; here only tables count.
    const views = new Set([...datamodel.matchAll(/^view (\w+)/gm)].map((m) => m[1]));
    const models = dmmf.datamodel.models.filter((m) => !views.has(m.name));
    const indexes = dmmf.datamodel.indexes.filter((i) => !views.has(i.model));
    const column = (model: string, field: string) => {
      const f = models.find((m) => m.name === model)!.fields.find((x) => x.name === field)!;
      return f.dbName ?? f.name;
    };
    const table = (model: string) => models.find((m) => m.name === model)!.dbName ?? model;
    const typeOf = (f: (typeof models)[number]['fields'][number]) => {
      if (f.nativeType) return f.nativeType[0] === 'Decimal' ? `numeric(${(f.nativeType[1] as string[]).join(',')})` : f.nativeType[0].toLowerCase();
      return { Int: 'integer', String: 'text', DateTime: 'timestamp(3) without time zone', Decimal: 'numeric(65,30)' }[f.type as 'Int'];
    };
    const columns = models.flatMap((m) =>
      m.fields.filter((f) => f.kind === 'scalar').map((f) => `${table(m.name)}.${f.dbName ?? f.name} ${typeOf(f)}${f.isRequired ? ' not null' : ''}${f.default ? ' default' : ''}`),
    );
    const keys = indexes.map((i) => {
      const cols = i.fields.map((f) => column(i.model, f.name));
      const t = table(i.model);
      if (i.type === 'id') return `${t}_pkey PRIMARY KEY (${cols.join(',')})`;
      if (i.type === 'unique') return `${i.dbName ?? `${t}_${cols.join('_')}_key`} UNIQUE (${cols.join(',')})`;
      return `${i.dbName ?? `${t}_${cols.join('_')}_idx`} INDEX (${cols.join(',')})`;
    });
    const foreignKeys = models.flatMap((m) =>
      m.fields
        .filter((f) => f.kind === 'object' && f.relationFromFields?.length)
        .map((f) => {
          const from = f.relationFromFields!.map((x) => column(m.name, x));
          if (views.has(f.type)) return '';
          const to = f.relationToFields!.map((x) => column(f.type, x));
          const onDelete = f.relationOnDelete === 'Cascade' ? 'CASCADE' : f.isRequired ? 'RESTRICT' : 'SET NULL';
          return `${table(m.name)}_${from.join('_')}_fkey ${table(m.name)}(${from.join(',')}) -> ${table(f.type)}(${to.join(',')}) ON DELETE ${onDelete} ON UPDATE CASCADE`;
        }),
    ).filter(Boolean);
    const viewColumns = dmmf.datamodel.models
      .filter((m) => views.has(m.name))
      .flatMap((m) => m.fields.filter((f) => f.kind === 'scalar').map((f) => `${m.dbName ?? m.name}.${f.dbName ?? f.name}`));
    return { tables: models.map((m) => table(m.name)).sort(), columns: columns.sort(), keys: keys.sort(), foreignKeys: foreignKeys.sort(), viewColumns: viewColumns.sort() };
  }

  async function actualSchema(url: string) {
    const tables = await query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1");
    const columns = await query(
      url,
      `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
              || CASE WHEN a.atthasdef THEN ' default' ELSE '' END AS col
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const keys = await query(
      url,
      `SELECT i.relname || ' ' || CASE WHEN x.indisprimary THEN 'PRIMARY KEY' WHEN x.indisunique THEN 'UNIQUE' ELSE 'INDEX' END || ' (' ||
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) || ')' AS key
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
         -- Trigram indexes exist only where pg_trgm does, so schema.prisma cannot declare them.
         AND i.relname NOT LIKE '%\\_trgm\\_idx'`,
    );
    const foreignKeys = await query(
      url,
      `SELECT c.conname || ' ' || t.relname || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
              || ') -> ' || r.relname || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
              || ') ON DELETE ' || CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
              || ' ON UPDATE ' || CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS fk
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    const viewColumns = await query(
      url,
      `SELECT c.table_name || '.' || c.column_name AS col FROM information_schema.columns c
       JOIN information_schema.views v ON v.table_name = c.table_name AND v.table_schema = c.table_schema WHERE c.table_schema = 'public'`,
    );
    return {
      viewColumns: viewColumns.map((r) => r.col).sort(),
      tables: tables.map((r) => r.tablename),
      columns: columns.map((r) => r.col).sort(),
      keys: keys.map((r) => r.key).sort(),
      foreignKeys: foreignKeys.map((r) => r.fk).sort(),
    };
  }

  it('matches schema.prisma: tables, columns, types, nullability, keys, foreign keys and indexes', async () => {
    await applyMigrations(database.url);
    const expected = expectedSchema();
    const actual = await actualSchema(database.url);
    expect(actual.tables).toEqual(expected.tables);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.keys).toEqual(expected.keys);
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
    expect(actual.viewColumns).toEqual(expected.viewColumns);
  });

  it('indexes every foreign key column', () => {
    const { keys, foreignKeys } = expectedSchema();
    for (const fk of foreignKeys) {
      const [, table, cols] = /^\S+ (\w+)\(([^)]*)\)/.exec(fk)!;
      const leading = keys.some((k) => k.startsWith(`${table}_`) && new RegExp(`\\((${cols})(,|\\))`).test(k));
      expect({ fk, indexed: leading }).toEqual({ fk, indexed: true });
    }
  });
});
