import { InvalidTokenError, signToken, verifyToken } from '../../src/auth/token';

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
