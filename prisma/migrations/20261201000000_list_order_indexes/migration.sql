-- Every top-level list offers an ordering that ends with the id; each ordering a list
-- offers is an index, so a page is one index range scan from its cursor.

-- CreateIndex
CREATE INDEX "media_type_name_media_type_id_idx" ON "media_type"("name", "media_type_id");

-- CreateIndex
CREATE INDEX "employee_last_name_employee_id_idx" ON "employee"("last_name", "employee_id");
