ALTER TABLE "invoices" ADD COLUMN "payment_reference" text;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_payment_reference_unique" ON "invoices" USING btree ("payment_reference");--> statement-breakpoint
-- hand-written: invoices made before payment references get one, then the column is NOT NULL (as
-- db/schema.ts says; the generated ADD COLUMN had NOT NULL, which existing rows would refuse).
-- The body is 'U' and the invoice's place in creation order as 11 digits (new references are drawn
-- from an alphabet without U, so none can equal these); the check digits are ISO 7064 MOD 97-10
-- over body || 'RF00' with U=30, R=27, F=15, i.e. 98 - ('30' || digits || '271500') mod 97.
UPDATE "invoices" AS i
SET "payment_reference" = 'RF' || lpad((98 - mod(('30' || b.digits || '271500')::numeric, 97))::text, 2, '0') || 'U' || b.digits
FROM (
  SELECT "id", lpad((row_number() OVER (ORDER BY "created_at", "id"))::text, 11, '0') AS digits
  FROM "invoices"
  WHERE "payment_reference" IS NULL
) AS b
WHERE i."id" = b."id";--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "payment_reference" SET NOT NULL;
