/** `npm run db:migrate`: applies pending migrations (to the embedded PostgreSQL without DATABASE_URL). */
import { loadConfig } from '../config';
import { withDatabase } from '../db/bootstrap';

withDatabase(loadConfig(), async () => undefined).then(
  () => console.log('Migrations are up to date.'),
  (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  },
);
