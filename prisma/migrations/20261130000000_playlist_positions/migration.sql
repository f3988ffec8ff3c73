-- Playlists keep the order their editors give (issue 16): each entry has a position,
-- 0, 1, 2 … within its playlist. Existing entries keep the order they were listed in
-- (by track id). The unique key is DEFERRABLE so that one statement may shift many
-- positions at once: PostgreSQL then checks it at the end of the statement, not per row.

-- AlterTable
ALTER TABLE "playlist_track" ADD COLUMN "position" INTEGER;

UPDATE "playlist_track" pt SET "position" = r.n
FROM (SELECT "playlist_id", "track_id", (row_number() OVER (PARTITION BY "playlist_id" ORDER BY "track_id") - 1)::int AS n FROM "playlist_track") r
WHERE pt."playlist_id" = r."playlist_id" AND pt."track_id" = r."track_id";

ALTER TABLE "playlist_track" ALTER COLUMN "position" SET NOT NULL;
ALTER TABLE "playlist_track" ADD CONSTRAINT "playlist_track_position_check" CHECK ("position" >= 0);

-- CreateIndex (as a deferrable constraint, which Prisma cannot declare)
ALTER TABLE "playlist_track" ADD CONSTRAINT "playlist_track_playlist_id_position_key" UNIQUE ("playlist_id", "position") DEFERRABLE INITIALLY IMMEDIATE;

-- Who may edit a playlist: the customer who owns it, or, when NULL, the store's employees.
-- AlterTable
ALTER TABLE "playlist" ADD COLUMN "customer_id" INTEGER;

-- CreateIndex
CREATE INDEX "playlist_customer_id_playlist_id_idx" ON "playlist"("customer_id", "playlist_id");

-- AddForeignKey
ALTER TABLE "playlist" ADD CONSTRAINT "playlist_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("customer_id") ON DELETE CASCADE ON UPDATE CASCADE;
