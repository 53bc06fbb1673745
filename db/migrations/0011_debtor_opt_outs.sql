-- hand-written:
-- Opt-outs are the debtor's now (debtors.opt_outs). The debtors migration copied the invoice-level
-- rows once; the rows written since (an SMS STOP, the portal) join their debtor's channels here,
-- then the invoice-level table goes. The DROP drizzle-kit generated is moved below the copy.
UPDATE "debtors" AS d SET "opt_outs" = (
  SELECT jsonb_agg(DISTINCT u."channel" ORDER BY u."channel")
  FROM (
    SELECT jsonb_array_elements_text(d."opt_outs") AS "channel"
    UNION
    SELECT o."channel" FROM "opt_outs" AS o JOIN "invoices" AS i ON i."id" = o."invoice_id" WHERE i."debtor_id" = d."id"
  ) AS u
)
WHERE EXISTS (
  SELECT 1 FROM "opt_outs" AS o JOIN "invoices" AS i ON i."id" = o."invoice_id"
  WHERE i."debtor_id" = d."id" AND NOT d."opt_outs" @> jsonb_build_array(o."channel")
);--> statement-breakpoint
DROP TABLE "opt_outs" CASCADE;
