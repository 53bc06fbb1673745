CREATE TABLE "debtors" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text NOT NULL,
	"external_id" text,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"locale" text NOT NULL,
	"timezone" text NOT NULL,
	"opt_outs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "debtor_id" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD CONSTRAINT "debtors_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debtors" ADD CONSTRAINT "debtors_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "debtors_partner_id" ON "debtors" USING btree ("partner_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "debtors_company_external_id" ON "debtors" USING btree ("company_id","external_id") WHERE "debtors"."external_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "debtors_company_email_key" ON "debtors" USING btree ("company_id","email") WHERE "debtors"."external_id" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "debtors_company_phone_key" ON "debtors" USING btree ("company_id","phone") WHERE "debtors"."external_id" IS NULL AND "debtors"."email" IS NULL;--> statement-breakpoint
CREATE INDEX "debtors_company_email" ON "debtors" USING btree ("company_id","email");--> statement-breakpoint
CREATE INDEX "debtors_company_phone" ON "debtors" USING btree ("company_id","phone");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_debtor_id_debtors_id_fk" FOREIGN KEY ("debtor_id") REFERENCES "public"."debtors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoices_debtor" ON "invoices" USING btree ("debtor_id","id");;--> statement-breakpoint
-- hand-written: join every invoice stored before debtors existed to a debtor, by the rule of
-- domain/debtor-identity.ts, then make invoices.debtor_id NOT NULL (as db/schema.ts says; the
-- generated ADD COLUMN had NOT NULL, which existing rows would refuse). The key of an invoice is its
-- debtor's external_id, else its email trimmed and lower-cased, else its phone; an invoice with
-- none of them gets a debtor of its own. The rule's key depends only on the invoice, not on which
-- invoice came first, so grouping by it is the rule. Phones were stored in E.164 by every path but
-- pull before issue 16; a stored phone not in E.164 cannot be normalised here, so it is neither a
-- key nor the debtor's phone (the invoice keeps it). The debtor takes its latest invoice's name,
-- locale and timezone, and its latest email and phone; its id is dbt_ + the time of its first
-- invoice in base 36 (ids sort by creation) + 12 characters derived from the key; it is opted out
-- of a channel when any of its invoices was.
CREATE TEMP TABLE "invoice_debtor_keys" AS
SELECT k.*,
  CASE
    WHEN k."ext" IS NOT NULL THEN 'external_id:' || k."ext"
    WHEN k."email" IS NOT NULL THEN 'email:' || k."email"
    WHEN k."phone" IS NOT NULL THEN 'phone:' || k."phone"
    ELSE 'invoice:' || k."invoice_id"
  END AS "key"
FROM (
  SELECT i."id" AS "invoice_id", i."company_id", i."partner_id", i."created_at",
    nullif(btrim(i."debtor"->>'external_id'), '') AS "ext",
    nullif(lower(btrim(i."debtor"->>'email')), '') AS "email",
    CASE WHEN btrim(i."debtor"->>'phone') ~ '^\+[1-9][0-9]{6,14}$' THEN btrim(i."debtor"->>'phone') END AS "phone",
    coalesce(nullif(btrim(i."debtor"->>'organization_name'), ''), btrim(concat_ws(' ', i."debtor"->>'first_name', i."debtor"->>'last_name'))) AS "name",
    coalesce(i."debtor"->>'locale', 'en') AS "locale",
    coalesce(i."debtor"->>'timezone', 'Europe/Amsterdam') AS "timezone"
  FROM "invoices" i
) AS k;--> statement-breakpoint
CREATE TEMP TABLE "debtor_backfill" AS
SELECT g.*,
  'dbt_' || (
    SELECT string_agg(substr('0123456789abcdefghijklmnopqrstuvwxyz', (((floor(extract(epoch FROM g."first_at") * 1000))::bigint / power(36::numeric, p)::bigint) % 36)::int + 1, 1), '' ORDER BY p DESC)
    FROM generate_series(0, 8) AS p
  ) || substr(md5(g."company_id" || ' ' || g."key"), 1, 12) AS "id"
FROM (
  SELECT "company_id", "key", min("partner_id") AS "partner_id",
    min("ext") AS "ext",
    (array_agg("name" ORDER BY "created_at" DESC, "invoice_id" DESC))[1] AS "name",
    (array_agg("email" ORDER BY "created_at" DESC, "invoice_id" DESC) FILTER (WHERE "email" IS NOT NULL))[1] AS "email",
    (array_agg("phone" ORDER BY "created_at" DESC, "invoice_id" DESC) FILTER (WHERE "phone" IS NOT NULL))[1] AS "phone",
    (array_agg("locale" ORDER BY "created_at" DESC, "invoice_id" DESC))[1] AS "locale",
    (array_agg("timezone" ORDER BY "created_at" DESC, "invoice_id" DESC))[1] AS "timezone",
    min("created_at") AS "first_at",
    max("created_at") AS "last_at"
  FROM "invoice_debtor_keys"
  GROUP BY "company_id", "key"
) AS g;--> statement-breakpoint
INSERT INTO "debtors" ("id", "partner_id", "company_id", "external_id", "name", "email", "phone", "locale", "timezone", "created_at", "updated_at")
SELECT "id", "partner_id", "company_id", "ext", "name", "email", "phone", "locale", "timezone", "first_at", "last_at" FROM "debtor_backfill";--> statement-breakpoint
UPDATE "invoices" AS i SET "debtor_id" = b."id"
FROM "invoice_debtor_keys" AS k
JOIN "debtor_backfill" AS b ON b."company_id" = k."company_id" AND b."key" = k."key"
WHERE i."id" = k."invoice_id";--> statement-breakpoint
UPDATE "debtors" AS d SET "opt_outs" = o."channels"
FROM (
  SELECT i."debtor_id", jsonb_agg(DISTINCT o."channel" ORDER BY o."channel") AS "channels"
  FROM "opt_outs" AS o JOIN "invoices" AS i ON i."id" = o."invoice_id"
  GROUP BY i."debtor_id"
) AS o
WHERE d."id" = o."debtor_id";--> statement-breakpoint
DROP TABLE "invoice_debtor_keys";--> statement-breakpoint
DROP TABLE "debtor_backfill";--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "debtor_id" SET NOT NULL;
