-- Pages of children (a parent's tracks, invoices, lines…) are read in id order per
-- parent, so each foreign-key index also carries the child's key: a page can be one
-- index range scan with a LIMIT, with no sort, even under a generic plan.

-- CreateIndex
CREATE INDEX "album_artist_id_album_id_idx" ON "album"("artist_id", "album_id");

-- CreateIndex
CREATE INDEX "track_album_id_track_id_idx" ON "track"("album_id", "track_id");

-- CreateIndex
CREATE INDEX "track_genre_id_track_id_idx" ON "track"("genre_id", "track_id");

-- CreateIndex
CREATE INDEX "playlist_track_track_id_playlist_id_idx" ON "playlist_track"("track_id", "playlist_id");

-- CreateIndex
CREATE INDEX "employee_reports_to_employee_id_idx" ON "employee"("reports_to", "employee_id");

-- CreateIndex
CREATE INDEX "customer_support_rep_id_customer_id_idx" ON "customer"("support_rep_id", "customer_id");

-- CreateIndex
CREATE INDEX "invoice_customer_id_invoice_id_idx" ON "invoice"("customer_id", "invoice_id");

-- CreateIndex
CREATE INDEX "invoice_line_invoice_id_invoice_line_id_idx" ON "invoice_line"("invoice_id", "invoice_line_id");

-- DropIndex
DROP INDEX "album_artist_id_idx";

-- DropIndex
DROP INDEX "track_album_id_idx";

-- DropIndex
DROP INDEX "track_genre_id_idx";

-- DropIndex
DROP INDEX "playlist_track_track_id_idx";

-- DropIndex
DROP INDEX "employee_reports_to_idx";

-- DropIndex
DROP INDEX "customer_support_rep_id_idx";

-- DropIndex
DROP INDEX "invoice_customer_id_idx";

-- DropIndex
DROP INDEX "invoice_line_invoice_id_idx";
