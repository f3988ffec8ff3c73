import { DatabaseFailure, INTERNAL_ERRORS, InvalidTokenError, MigrationError, PoolTimeoutError, internalError } from '../../src/errors';
import { toClientError } from '../../src/graphql/client-errors';

const clientCode = (error: unknown) => toClientError({ message: 'x' }, error, true).extensions?.code;

describe('INTERNAL_ERRORS', () => {
  it.each([
    [new PoolTimeoutError(10_000), 'DATABASE_BUSY'],
    [new DatabaseFailure('unavailable', undefined), 'DATABASE_UNAVAILABLE'],
    [new DatabaseFailure('cancelled', undefined), 'QUERY_TIMEOUT'],
    [new InvalidTokenError('The bearer token has expired'), 'UNAUTHENTICATED'],
  ])('answers %s with the client code the catalogue declares for it', (error, code) => {
    expect(INTERNAL_ERRORS[error.code].client).toBe(code);
    expect(clientCode(error)).toBe(code);
    expect(clientCode(new Error('wrapped', { cause: error }))).toBe(code);
  });

  it('declares migration failures as reaching no client', () => {
    expect(internalError(new MigrationError('P3018', 'Migration x failed'))?.client).toBeNull();
  });

  it('recognises an error by its class and code, never by its message', () => {
    expect(internalError(new Error('timeout exceeded when trying to connect'))).toBeUndefined();
    expect(internalError(Object.assign(new Error('x'), { code: 'toString' }))).toBeUndefined();
    expect(internalError(Object.assign(new Error('x'), { code: 'INVALID_TOKEN' }))).toBeUndefined();
    expect(clientCode(new Error('No database connection became free within 10 ms (pool_timeout)'))).toBe('INTERNAL_SERVER_ERROR');
  });
});
