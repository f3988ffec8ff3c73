import { SignJWT } from 'jose';
import { InvalidTokenError } from '../../src/errors';
import { signToken, verifyToken } from '../../src/auth/token';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const OTHER = 'another-secret-of-at-least-thirty-two-chars';

describe('verifyToken', () => {
  it('reads the principal, and refuses the same token under another secret after accepting it', async () => {
    const token = await signToken({ role: 'customer', customerId: 7 }, SECRET);
    expect(await verifyToken(token, SECRET)).toEqual({ role: 'customer', customerId: 7 });
    // The token is now remembered as verified, but only for the secret that verified it.
    await expect(verifyToken(token, OTHER)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(await verifyToken(token, SECRET)).toEqual({ role: 'customer', customerId: 7 });
  });

  it('hands out a principal no request can change', async () => {
    const token = await signToken({ role: 'employee', employeeId: 3 }, SECRET);
    const principal = await verifyToken(token, SECRET);
    expect(Object.isFrozen(principal)).toBe(true);
    expect(await verifyToken(token, SECRET)).toBe(principal);
  });
});

describe('verifyToken refuses', () => {
  const sign = (claims: { exp?: number; iat?: number }) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('customer:1').setIssuer('media-store').setAudience('media-store-api');
    if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
    return jwt.sign(new TextEncoder().encode(SECRET));
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('a token without an expiry', async () => {
    await expect(verifyToken(await sign({ iat: now() }), SECRET)).rejects.toThrow('must carry an expiry (exp)');
  });

  it('a token that lives longer than the maximum, from its iat or from now', async () => {
    const options = { maxLifetimeSeconds: 3600 };
    await expect(verifyToken(await sign({ iat: now(), exp: now() + 7200 }), SECRET, options)).rejects.toThrow('longer than the 3600 s allowed');
    await expect(verifyToken(await sign({ exp: now() + 7200 }), SECRET, options)).rejects.toThrow('longer than the 3600 s allowed');
    expect(await verifyToken(await sign({ iat: now(), exp: now() + 1800 }), SECRET, options)).toEqual({ role: 'customer', customerId: 1 });
  });

  it('a token naming someone who does not exist, asking only once per token', async () => {
    let asked = 0;
    const exists = async () => (asked++, false);
    const token = await signToken({ role: 'customer', customerId: 999_999 }, SECRET, '1h');
    await expect(verifyToken(token, SECRET, { maxLifetimeSeconds: 86_400, exists })).rejects.toThrow('names customer 999999, who does not exist');
    const real = await signToken({ role: 'customer', customerId: 5 }, SECRET, '1h');
    const yes = async () => (asked++, true);
    await verifyToken(real, SECRET, { maxLifetimeSeconds: 86_400, exists: yes });
    await verifyToken(real, SECRET, { maxLifetimeSeconds: 86_400, exists: yes });
    expect(asked).toBe(2);
  });
});
