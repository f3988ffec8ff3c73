-- CreateIndex
CREATE INDEX "invoice_total_invoice_id_idx" ON "invoice"("total", "invoice_id");
