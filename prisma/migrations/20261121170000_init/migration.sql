-- CreateTable
CREATE TABLE "artist" (
    "artist_id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "artist_pkey" PRIMARY KEY ("artist_id")
);

-- CreateTable
CREATE TABLE "album" (
    "album_id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "artist_id" INTEGER NOT NULL,

    CONSTRAINT "album_pkey" PRIMARY KEY ("album_id")
);

-- CreateTable
CREATE TABLE "media_type" (
    "media_type_id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "media_type_pkey" PRIMARY KEY ("media_type_id")
);

-- CreateTable
CREATE TABLE "genre" (
    "genre_id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "genre_pkey" PRIMARY KEY ("genre_id")
);

-- CreateTable
CREATE TABLE "track" (
    "track_id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "album_id" INTEGER,
    "media_type_id" INTEGER NOT NULL,
    "genre_id" INTEGER,
    "composer" TEXT,
    "milliseconds" INTEGER NOT NULL,
    "bytes" INTEGER,
    "unit_price" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "track_pkey" PRIMARY KEY ("track_id")
);

-- CreateTable
CREATE TABLE "playlist" (
    "playlist_id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "playlist_pkey" PRIMARY KEY ("playlist_id")
);

-- CreateTable
CREATE TABLE "playlist_track" (
    "playlist_id" INTEGER NOT NULL,
    "track_id" INTEGER NOT NULL,

    CONSTRAINT "playlist_track_pkey" PRIMARY KEY ("playlist_id","track_id")
);

-- CreateTable
CREATE TABLE "employee" (
    "employee_id" SERIAL NOT NULL,
    "last_name" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "title" TEXT,
    "reports_to" INTEGER,
    "birth_date" DATE,
    "hire_date" DATE,
    "address" TEXT,
    "city" TEXT,
    "state" TEXT,
    "country" TEXT,
    "postal_code" TEXT,
    "phone" TEXT,
    "fax" TEXT,
    "email" TEXT,

    CONSTRAINT "employee_pkey" PRIMARY KEY ("employee_id")
);

-- CreateTable
CREATE TABLE "customer" (
    "customer_id" SERIAL NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "company" TEXT,
    "address" TEXT,
    "city" TEXT,
    "state" TEXT,
    "country" TEXT,
    "postal_code" TEXT,
    "phone" TEXT,
    "fax" TEXT,
    "email" TEXT NOT NULL,
    "support_rep_id" INTEGER,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("customer_id")
);

-- CreateTable
CREATE TABLE "invoice" (
    "invoice_id" SERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "invoice_date" TIMESTAMP(3) NOT NULL,
    "billing_address" TEXT,
    "billing_city" TEXT,
    "billing_state" TEXT,
    "billing_country" TEXT,
    "billing_postal_code" TEXT,
    "total" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "invoice_pkey" PRIMARY KEY ("invoice_id")
);

-- CreateTable
CREATE TABLE "invoice_line" (
    "invoice_line_id" SERIAL NOT NULL,
    "invoice_id" INTEGER NOT NULL,
    "track_id" INTEGER NOT NULL,
    "unit_price" DECIMAL(10,2) NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "invoice_line_pkey" PRIMARY KEY ("invoice_line_id")
);

-- CreateIndex
CREATE INDEX "artist_name_artist_id_idx" ON "artist"("name", "artist_id");

-- CreateIndex
CREATE INDEX "album_artist_id_idx" ON "album"("artist_id");

-- CreateIndex
CREATE INDEX "album_title_album_id_idx" ON "album"("title", "album_id");

-- CreateIndex
CREATE INDEX "genre_name_genre_id_idx" ON "genre"("name", "genre_id");

-- CreateIndex
CREATE INDEX "track_album_id_idx" ON "track"("album_id");

-- CreateIndex
CREATE INDEX "track_media_type_id_idx" ON "track"("media_type_id");

-- CreateIndex
CREATE INDEX "track_genre_id_idx" ON "track"("genre_id");

-- CreateIndex
CREATE INDEX "track_name_track_id_idx" ON "track"("name", "track_id");

-- CreateIndex
CREATE INDEX "track_unit_price_track_id_idx" ON "track"("unit_price", "track_id");

-- CreateIndex
CREATE INDEX "track_milliseconds_track_id_idx" ON "track"("milliseconds", "track_id");

-- CreateIndex
CREATE INDEX "playlist_name_playlist_id_idx" ON "playlist"("name", "playlist_id");

-- CreateIndex
CREATE INDEX "playlist_track_track_id_idx" ON "playlist_track"("track_id");

-- CreateIndex
CREATE INDEX "employee_reports_to_idx" ON "employee"("reports_to");

-- CreateIndex
CREATE INDEX "customer_support_rep_id_idx" ON "customer"("support_rep_id");

-- CreateIndex
CREATE INDEX "customer_country_customer_id_idx" ON "customer"("country", "customer_id");

-- CreateIndex
CREATE INDEX "customer_last_name_customer_id_idx" ON "customer"("last_name", "customer_id");

-- CreateIndex
CREATE INDEX "invoice_customer_id_idx" ON "invoice"("customer_id");

-- CreateIndex
CREATE INDEX "invoice_invoice_date_invoice_id_idx" ON "invoice"("invoice_date", "invoice_id");

-- CreateIndex
CREATE INDEX "invoice_billing_country_idx" ON "invoice"("billing_country");

-- CreateIndex
CREATE INDEX "invoice_line_invoice_id_idx" ON "invoice_line"("invoice_id");

-- CreateIndex
CREATE INDEX "invoice_line_track_id_idx" ON "invoice_line"("track_id");

-- AddForeignKey
ALTER TABLE "album" ADD CONSTRAINT "album_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artist"("artist_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "track" ADD CONSTRAINT "track_album_id_fkey" FOREIGN KEY ("album_id") REFERENCES "album"("album_id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "track" ADD CONSTRAINT "track_media_type_id_fkey" FOREIGN KEY ("media_type_id") REFERENCES "media_type"("media_type_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "track" ADD CONSTRAINT "track_genre_id_fkey" FOREIGN KEY ("genre_id") REFERENCES "genre"("genre_id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "playlist_track" ADD CONSTRAINT "playlist_track_playlist_id_fkey" FOREIGN KEY ("playlist_id") REFERENCES "playlist"("playlist_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "playlist_track" ADD CONSTRAINT "playlist_track_track_id_fkey" FOREIGN KEY ("track_id") REFERENCES "track"("track_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "employee" ADD CONSTRAINT "employee_reports_to_fkey" FOREIGN KEY ("reports_to") REFERENCES "employee"("employee_id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer" ADD CONSTRAINT "customer_support_rep_id_fkey" FOREIGN KEY ("support_rep_id") REFERENCES "employee"("employee_id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice" ADD CONSTRAINT "invoice_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("customer_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoice"("invoice_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_track_id_fkey" FOREIGN KEY ("track_id") REFERENCES "track"("track_id") ON DELETE RESTRICT ON UPDATE CASCADE;
