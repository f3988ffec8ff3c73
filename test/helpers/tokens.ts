import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { signToken, type Principal } from '../../src/auth/token';

/** An Authorization header for `principal`, signed as the test server expects. */
export async function authAs(principal: Principal, expiresIn = '1h'): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signToken(principal, DEVELOPMENT_JWT_SECRET, expiresIn)}` };
}
