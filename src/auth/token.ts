import { SignJWT, jwtVerify, errors } from 'jose';
import { LRUCache } from 'lru-cache';
import { InvalidTokenError } from '../errors';

/** Who a token speaks for. */
export type Principal = { role: 'customer'; customerId: number } | { role: 'employee'; employeeId: number };

const ISSUER = 'media-store';
const AUDIENCE = 'media-store-api';

const key = (secret: string) => new TextEncoder().encode(secret);

/** Signs a bearer token for `principal`, valid for `expiresIn` (a jose time span, e.g. "12h"). */
export async function signToken(principal: Principal, secret: string, expiresIn = '12h'): Promise<string> {
  const subject = principal.role === 'customer' ? `customer:${principal.customerId}` : `employee:${principal.employeeId}`;
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key(secret));
}

// Clients send the same token on every request, and checking its HMAC (WebCrypto, async)
// cost more CPU than reading a page of rows. A token verified once is trusted until it
// expires, by the wall clock as jose checks it (the cache's own TTL runs on a monotonic
// clock, which stands still while a host sleeps); the key holds the secret too, so a
// rotated secret verifies afresh.
const verified = new LRUCache<string, { principal: Principal; expiresAt: number }>({ max: 10_000 });

export interface VerifyOptions {
  /** Longest lifetime a token may have, in seconds: from its `iat`, and from now. */
  maxLifetimeSeconds: number;
  /** Whether the principal exists; asked once per token, before it is remembered. */
  exists?: (principal: Principal) => Promise<boolean>;
}

/**
 * Verifies signature, issuer, audience and expiry (required, and within the maximum
 * lifetime), reads the principal and checks that it exists.
 * @throws InvalidTokenError saying what is wrong (expired, bad signature, bad subject, nobody)
 */
export async function verifyToken(token: string, secret: string, options: VerifyOptions = { maxLifetimeSeconds: 86_400 }): Promise<Principal> {
  return (await verifyTokenUntil(token, secret, options)).principal;
}

/** {@link verifyToken}, with the token's expiry (ms since the epoch): a WebSocket ends its subscriptions then. */
export async function verifyTokenUntil(token: string, secret: string, options: VerifyOptions = { maxLifetimeSeconds: 86_400 }): Promise<{ principal: Principal; expiresAt: number }> {
  const cacheKey = `${secret}\0${token}`;
  const known = verified.get(cacheKey);
  if (known && Date.now() < known.expiresAt) return known;
  let subject: string | undefined;
  let expiresAt: number;
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp'] });
    subject = payload.sub;
    expiresAt = payload.exp! * 1000;
    const issuedAt = payload.iat === undefined ? Date.now() : Math.min(payload.iat * 1000, Date.now());
    if (expiresAt - issuedAt > options.maxLifetimeSeconds * 1000) {
      throw new InvalidTokenError(`The bearer token lives longer than the ${options.maxLifetimeSeconds} s allowed (TOKEN_MAX_LIFETIME_SECONDS)`);
    }
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    if (err instanceof errors.JWTExpired) throw new InvalidTokenError('The bearer token has expired');
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp') throw new InvalidTokenError('The bearer token must carry an expiry (exp)');
    throw new InvalidTokenError('The bearer token is not valid');
  }
  const match = /^(customer|employee):([1-9]\d{0,9})$/.exec(subject ?? '');
  if (!match) throw new InvalidTokenError(`The bearer token's subject must be customer:<id> or employee:<id>, but got: ${JSON.stringify(subject ?? null).slice(0, 80)}`);
  const id = Number(match[2]);
  if (id > 2_147_483_647) throw new InvalidTokenError(`The bearer token names ${match[1]} ${id}, who does not exist`);
  // Shared by every request that sends the token, so no one may change it.
  const principal: Principal = Object.freeze(match[1] === 'customer' ? { role: 'customer', customerId: id } : { role: 'employee', employeeId: id });
  if (options.exists && !(await options.exists(principal))) {
    throw new InvalidTokenError(`The bearer token names ${match[1]} ${id}, who does not exist`);
  }
  const entry = { principal, expiresAt };
  verified.set(cacheKey, entry, { ttl: Math.max(1, expiresAt - Date.now()) });
  return entry;
}
