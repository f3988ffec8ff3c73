import { defineConfig } from 'prisma/config';

// The Prisma CLI reads DATABASE_URL only for commands that talk to a database
// (migrate, db seed); `prisma generate` needs none.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'tsx prisma/seed.ts',
  },
  datasource: { url: process.env.DATABASE_URL },
});
