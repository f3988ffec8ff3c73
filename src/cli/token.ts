/**
 * `npm run token -- --customer 5` or `-- --employee 3 [--expires 1h]`: prints a development
 * bearer token signed with JWT_SECRET (or the development secret when it is unset).
 */
import { loadConfig } from '../config';
import { signToken, type Principal } from '../auth/token';

function parse(argv: string[]): { principal: Principal; expires: string } {
  let principal: Principal | undefined;
  let expires = '12h';
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const id = Number(value);
    if ((flag === '--customer' || flag === '--employee') && Number.isSafeInteger(id) && id > 0) {
      principal = flag === '--customer' ? { role: 'customer', customerId: id } : { role: 'employee', employeeId: id };
      i++;
    } else if (flag === '--expires' && value) {
      expires = value;
      i++;
    } else {
      throw new Error(`Unexpected argument ${flag}${value ? ` ${value}` : ''}: use --customer <id> or --employee <id>, optionally --expires 1h`);
    }
  }
  if (!principal) throw new Error('Say who the token is for: --customer <id> or --employee <id>');
  return { principal, expires };
}

void (async () => {
  const { principal, expires } = parse(process.argv.slice(2));
  console.log(await signToken(principal, loadConfig().jwtSecret, expires));
})().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
