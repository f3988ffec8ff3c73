-- Purchases (issue 16): an idempotency key per customer, and an invoice total that the
-- database itself holds to the sum of its lines.

-- AlterTable
ALTER TABLE "invoice" ADD COLUMN "idempotency_key" TEXT,
ADD COLUMN "basket_hash" TEXT;

-- CreateIndex: one invoice per (customer, key); invoices without a key are not constrained.
CREATE UNIQUE INDEX "invoice_customer_id_idempotency_key_key" ON "invoice"("customer_id", "idempotency_key");

-- At commit, every invoice inserted or changed, and every invoice whose lines changed,
-- must have at least one line and a total equal to the sum of unit_price × quantity of its
-- lines. A constraint trigger deferred to commit sees the invoice and all its lines, in
-- whatever order the transaction wrote them.
CREATE FUNCTION "invoice_total_matches_lines"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
  checked integer;
  stored numeric;
  line_count integer;
  line_sum numeric;
BEGIN
  IF TG_OP = 'DELETE' THEN
    ids := ARRAY[OLD.invoice_id];
  ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'invoice_line' THEN
    ids := ARRAY[NEW.invoice_id, OLD.invoice_id];
  ELSE
    ids := ARRAY[NEW.invoice_id];
  END IF;
  FOREACH checked IN ARRAY ids LOOP
    SELECT i.total INTO stored FROM invoice i WHERE i.invoice_id = checked;
    CONTINUE WHEN NOT FOUND; -- the invoice itself was deleted
    SELECT count(*), COALESCE(sum(l.unit_price * l.quantity), 0) INTO line_count, line_sum FROM invoice_line l WHERE l.invoice_id = checked;
    IF line_count = 0 THEN
      RAISE EXCEPTION 'Invoice % has no lines', checked USING ERRCODE = 'check_violation', CONSTRAINT = 'invoice_total_matches_lines';
    END IF;
    IF stored <> line_sum THEN
      RAISE EXCEPTION 'Invoice % has total % but its lines sum to %', checked, stored, line_sum USING ERRCODE = 'check_violation', CONSTRAINT = 'invoice_total_matches_lines';
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "invoice_total_matches_lines" AFTER INSERT OR UPDATE OF "total" ON "invoice"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "invoice_total_matches_lines"();

CREATE CONSTRAINT TRIGGER "invoice_line_total_matches_lines" AFTER INSERT OR UPDATE OR DELETE ON "invoice_line"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "invoice_total_matches_lines"();

-- Quantities are whole and positive.
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_quantity_check" CHECK ("quantity" > 0);
