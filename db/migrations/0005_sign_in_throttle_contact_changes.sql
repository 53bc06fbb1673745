CREATE TABLE "portal_contact_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"previous" jsonb NOT NULL,
	"changed" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sign_in_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"account" text NOT NULL,
	"address" text NOT NULL,
	"outcome" text NOT NULL,
	"detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_throttles" (
	"kind" text NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"failures" integer NOT NULL,
	"last_attempt_at" timestamp with time zone NOT NULL,
	"blocked_until" timestamp with time zone,
	CONSTRAINT "sign_in_throttles_kind_scope_key_pk" PRIMARY KEY("kind","scope","key")
);
--> statement-breakpoint
ALTER TABLE "portal_contact_changes" ADD CONSTRAINT "portal_contact_changes_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portal_contact_changes_invoice" ON "portal_contact_changes" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "sign_in_audit_account" ON "sign_in_audit" USING btree ("kind","account","created_at");--> statement-breakpoint
CREATE INDEX "sign_in_audit_address" ON "sign_in_audit" USING btree ("address","created_at");--> statement-breakpoint
CREATE INDEX "sign_in_throttles_last_attempt" ON "sign_in_throttles" USING btree ("last_attempt_at");