import { SignJWT, jwtVerify, errors } from 'jose';
import { LRUCache } from 'lru-cache';

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

/** Why a token was refused, in words fit for the client. */
export class InvalidTokenError extends Error {}

// Clients send the same token on every request, and checking its HMAC (WebCrypto, async)
// cost more CPU than reading a page of rows. A token verified once is trusted until it
// expires, by the wall clock as jose checks it (the cache's own TTL runs on a monotonic
// clock, which stands still while a host sleeps); the key holds the secret too, so a
// rotated secret verifies afresh.
const verified = new LRUCache<string, { principal: Principal; expiresAt: number }>({ max: 10_000 });

/**
 * Verifies signature, issuer, audience and expiry, and reads the principal.
 * @throws InvalidTokenError saying what is wrong (expired, bad signature, bad subject)
 */
export async function verifyToken(token: string, secret: string): Promise<Principal> {
  const cacheKey = `${secret}\0${token}`;
  const known = verified.get(cacheKey);
  if (known && Date.now() < known.expiresAt) return known.principal;
  let subject: string | undefined;
  let expiresAt: number | undefined;
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    subject = payload.sub;
    expiresAt = payload.exp === undefined ? undefined : payload.exp * 1000;
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new InvalidTokenError('The bearer token has expired');
    throw new InvalidTokenError('The bearer token is not valid');
  }
  const match = /^(customer|employee):([1-9]\d{0,9})$/.exec(subject ?? '');
  if (!match) throw new InvalidTokenError(`The bearer token's subject must be customer:<id> or employee:<id>, but got: ${subject}`);
  const id = Number(match[2]);
  // Shared by every request that sends the token, so no one may change it.
  const principal: Principal = Object.freeze(match[1] === 'customer' ? { role: 'customer', customerId: id } : { role: 'employee', employeeId: id });
  // Tokens without an expiry are valid forever, but are checked again each time rather than kept.
  if (expiresAt !== undefined) verified.set(cacheKey, { principal, expiresAt }, { ttl: Math.max(1, expiresAt - Date.now()) });
  return principal;
}
