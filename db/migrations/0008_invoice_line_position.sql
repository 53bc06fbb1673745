ALTER TABLE "invoice_lines" ADD COLUMN "position" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "invoice_lines_invoice_position" ON "invoice_lines" USING btree ("invoice_id","position");--> statement-breakpoint
-- hand-written: number the lines that exist, in the order they were stored (created_at, then id:
-- the order every list used until now), 1, 2, 3, … per invoice.
UPDATE "invoice_lines" AS l SET "position" = n.position
FROM (SELECT "id", row_number() OVER (PARTITION BY "invoice_id" ORDER BY "created_at", "id") AS position FROM "invoice_lines") AS n
WHERE l."id" = n."id";
