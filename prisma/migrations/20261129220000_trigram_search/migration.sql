-- Substring filters (ILIKE '%…%') on names and titles use trigram GIN indexes where the
-- server has pg_trgm (a contrib extension: the embedded PostgreSQL and most distributions
-- ship it). Where it is missing, or this role may not create it, the migration still
-- succeeds without these indexes: those filters then scan their table, bounded by
-- statement_timeout. The indexes are not in schema.prisma, since Prisma cannot declare an
-- index that exists only when an extension does; `prisma migrate dev` reports them as drift.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): substring filters will scan their tables', SQLERRM;
    RETURN;
  END;
  CREATE INDEX IF NOT EXISTS "artist_name_trgm_idx" ON "artist" USING gin ("name" gin_trgm_ops);
  CREATE INDEX IF NOT EXISTS "album_title_trgm_idx" ON "album" USING gin ("title" gin_trgm_ops);
  CREATE INDEX IF NOT EXISTS "track_name_trgm_idx" ON "track" USING gin ("name" gin_trgm_ops);
  CREATE INDEX IF NOT EXISTS "playlist_name_trgm_idx" ON "playlist" USING gin ("name" gin_trgm_ops);
  CREATE INDEX IF NOT EXISTS "customer_last_name_trgm_idx" ON "customer" USING gin ("last_name" gin_trgm_ops);
  CREATE INDEX IF NOT EXISTS "customer_first_name_trgm_idx" ON "customer" USING gin ("first_name" gin_trgm_ops);
END $$;
