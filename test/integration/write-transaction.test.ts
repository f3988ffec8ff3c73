import { GraphQLError } from 'graphql';
import { openDatabase, type Database } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { writeTransaction, WRITE_ATTEMPTS } from '../../src/writes/transaction';
import { toClientError } from '../../src/graphql/client-errors';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = openDatabase(`${database.url}?connection_limit=3`);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const raise = (state: string) => `DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '${state}'; END $$`;

describe('writeTransaction', () => {
  it.each([
    ['serialization failure', '40001'],
    ['deadlock', '40P01'],
  ])('retries a %s, then answers TRANSACTION_CONFLICT', async (_name, state) => {
    let attempts = 0;
    const error = await writeTransaction(new RequestDb(db, 2), async (tx) => {
      attempts++;
      await tx.run((prisma) => prisma.$executeRawUnsafe(raise(state)));
    }).catch((e: unknown) => e);
    expect(attempts).toBe(WRITE_ATTEMPTS);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'TRANSACTION_CONFLICT', attempts: WRITE_ATTEMPTS });
  });

  it('returns what a retry commits', async () => {
    let attempts = 0;
    const result = await writeTransaction(new RequestDb(db, 2), async (tx) => {
      if (++attempts === 1) await tx.run((prisma) => prisma.$executeRawUnsafe(raise('40001')));
      return tx.run((prisma) => prisma.artist.count());
    });
    expect(attempts).toBe(2);
    expect(result).toBeGreaterThan(0);
  });

  it('does not retry other failures', async () => {
    let attempts = 0;
    await expect(
      writeTransaction(new RequestDb(db, 2), async (tx) => {
        attempts++;
        await tx.run((prisma) => prisma.$executeRawUnsafe(raise('23505')));
      }),
    ).rejects.toBeDefined();
    expect(attempts).toBe(1);
  });
});

describe('the error catalogue maps write failures once', () => {
  const clientCode = async (state: string) => {
    const error = await new RequestDb(db, 2).run((prisma) => prisma.$executeRawUnsafe(raise(state))).catch((e: unknown) => e);
    return toClientError({ message: 'x' }, error, true).extensions?.code;
  };
  it.each([
    ['23505', 'CONFLICT'],
    ['23503', 'NOT_FOUND'],
    ['40001', 'TRANSACTION_CONFLICT'],
    ['40P01', 'TRANSACTION_CONFLICT'],
  ])('SQLSTATE %s → %s', async (state, code) => {
    expect(await clientCode(state)).toBe(code);
  });
});
