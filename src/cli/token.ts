/**
 * `npm run token -- --customer 5` or `-- --employee 3 [--expires 1h]`: prints a development
 * bearer token signed with JWT_SECRET (or the development secret when it is unset), for a
 * customer or employee that exists in the database (embedded unless DATABASE_URL).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { withDatabase } from '../db/admin/bootstrap';
import { withClient } from '../db/admin/with-client';
import { signToken, type Principal } from '../auth/token';

const HELP = `Usage: npm run token -- (--customer <id> | --employee <id>) [--expires <span>]

Prints a bearer token for the API, signed with JWT_SECRET (the development secret when unset).

  --customer <id>   sign in as this customer (sees their own profile and invoices)
  --employee <id>   sign in as this employee (sees the customers they support, and below)
  --expires <span>  lifetime, e.g. 30m, 12h (default 12h; at most TOKEN_MAX_LIFETIME_SECONDS)
  -h, --help        this text

The id must exist in the database (DATABASE_URL, or the embedded PostgreSQL).`;

function parse(argv: string[]): { principal: Principal; expires: string } | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { customer: { type: 'string' }, employee: { type: 'string' }, expires: { type: 'string', default: '12h' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return undefined;
  if ((values.customer === undefined) === (values.employee === undefined)) throw new Error('Say who the token is for: --customer <id> or --employee <id> (one of them)');
  const raw = values.customer ?? values.employee!;
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw new Error(`The id must be a positive integer, but got: ${raw}`);
  const principal: Principal = values.customer !== undefined ? { role: 'customer', customerId: id } : { role: 'employee', employeeId: id };
  return { principal, expires: values.expires! };
}

async function exists(url: string, principal: Principal): Promise<boolean> {
  const [table, column, id] = principal.role === 'customer' ? ['customer', 'customer_id', principal.customerId] : ['employee', 'employee_id', principal.employeeId];
  return withClient(url, async (client) => (await client.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [id])).rowCount === 1);
}

void (async () => {
  const request = parse(process.argv.slice(2));
  if (!request) return console.log(HELP);
  const config = loadConfig();
  const { principal, expires } = request;
  const found = await withDatabase(config, (url) => exists(url, principal));
  const who = principal.role === 'customer' ? `customer ${principal.customerId}` : `employee ${principal.employeeId}`;
  if (!found) throw new Error(`There is no ${who} in the database: the API would refuse a token for them`);
  console.log(await signToken(principal, config.jwtSecret, expires));
})().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
