ALTER TABLE "debtors" ADD COLUMN "email_undeliverable_address" text;--> statement-breakpoint
ALTER TABLE "debtors" ADD COLUMN "email_undeliverable_at" timestamp with time zone;