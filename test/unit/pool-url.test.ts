import { cpus } from 'node:os';
import { parsePoolUrl } from '../../src/db/pool-url';

describe('parsePoolUrl', () => {
  it('maps connection_limit and pool_timeout and removes them from the URL', () => {
    const parsed = parsePoolUrl('postgresql://u:p@db:5432/store?connection_limit=7&pool_timeout=2.5&sslmode=disable');
    expect(parsed).toEqual({ connectionString: 'postgresql://u:p@db:5432/store?sslmode=disable', max: 7, acquireTimeoutMs: 2500, prepareStatements: true });
  });

  it("uses Prisma's defaults: 2 × CPUs + 1 connections and 10 s", () => {
    expect(parsePoolUrl('postgresql://db/store')).toMatchObject({ max: cpus().length * 2 + 1, acquireTimeoutMs: 10_000 });
  });

  it('treats pool_timeout=0 as waiting forever, as Prisma does', () => {
    expect(parsePoolUrl('postgresql://db/store?pool_timeout=0').acquireTimeoutMs).toBe(0);
  });

  it.each(['0', '-1', 'ten', '1.5'])('rejects connection_limit=%s and shows the value', (value) => {
    expect(() => parsePoolUrl(`postgresql://db/store?connection_limit=${value}`)).toThrow(`but got: ${value}`);
  });

  it('stops preparing statements behind PgBouncer (pgbouncer=true) and removes the flag', () => {
    const parsed = parsePoolUrl('postgresql://db/store?pgbouncer=true&sslmode=disable');
    expect(parsed).toMatchObject({ connectionString: 'postgresql://db/store?sslmode=disable', prepareStatements: false });
    expect(parsePoolUrl('postgresql://db/store?pgbouncer=false').prepareStatements).toBe(true);
    expect(() => parsePoolUrl('postgresql://db/store?pgbouncer=yes')).toThrow('but got: yes');
  });

  it('rejects a negative pool_timeout', () => {
    expect(() => parsePoolUrl('postgresql://db/store?pool_timeout=-1')).toThrow('pool_timeout');
  });
});
