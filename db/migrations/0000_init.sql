CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text,
	"role" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "bank_statements" (
	"id" text PRIMARY KEY NOT NULL,
	"format" text NOT NULL,
	"content_sha256" text NOT NULL,
	"content" text NOT NULL,
	"statements" jsonb NOT NULL,
	"transaction_count" integer NOT NULL,
	"new_transaction_count" integer NOT NULL,
	"imported_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_statements_content_sha256_unique" UNIQUE("content_sha256")
);
--> statement-breakpoint
CREATE TABLE "bank_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"statement_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"account" text NOT NULL,
	"currency" text NOT NULL,
	"booking_date" date NOT NULL,
	"value_date" date NOT NULL,
	"direction" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"bank_reference" text,
	"customer_reference" text,
	"counterparty_name" text,
	"remittance" text NOT NULL,
	"status" text NOT NULL,
	"invoice_id" text,
	"matched_by" text,
	"note" text,
	"matched_at" timestamp with time zone,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"resolution_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_transactions_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "batch_file_records" (
	"company_id" text NOT NULL,
	"record_id" text NOT NULL,
	"batch_file_id" text NOT NULL,
	"line" integer NOT NULL,
	"invoice_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "batch_file_records_company_id_record_id_pk" PRIMARY KEY("company_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "batch_files" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text,
	"type" text,
	"name" text NOT NULL,
	"sha256" text NOT NULL,
	"status" text DEFAULT 'processing' NOT NULL,
	"import_id" text,
	"counts" jsonb,
	"path" text NOT NULL,
	"result_path" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "companies" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"currency" text NOT NULL,
	"locale" text NOT NULL,
	"timezone" text NOT NULL,
	"contact" jsonb,
	"bank_account" jsonb,
	"external_id" text,
	"status" text DEFAULT 'pending_verification' NOT NULL,
	"verification_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "company_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"type" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"storage_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "console_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "console_users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "console_users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "debt_collection_case_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"company_id" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"storage_key" text NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debt_collection_cases" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text NOT NULL,
	"invoice_id" text,
	"external_id" text NOT NULL,
	"source" text NOT NULL,
	"environment" text DEFAULT 'production' NOT NULL,
	"state" text DEFAULT 'preparing' NOT NULL,
	"currency" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"collected_amount_cents" integer DEFAULT 0 NOT NULL,
	"close_reason" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"collector" jsonb,
	"collector_configuration_version" integer,
	"review_required" boolean,
	"review_decision" text,
	"review_reason" text,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"hand_off" jsonb,
	"handed_off_at" timestamp with time zone,
	"prepared_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"close_note" text,
	"closed_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debt_collection_collected_amounts" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"amount_cents" integer NOT NULL,
	"collected_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"recorded_by" text NOT NULL,
	"collector_reference" text,
	"invoice_payment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "debt_collector_configurations" (
	"company_id" text NOT NULL,
	"version" integer NOT NULL,
	"configurations" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dunning_policies" (
	"company_id" text NOT NULL,
	"version" integer NOT NULL,
	"policy" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text,
	"invoice_id" text,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"claim_token" text NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"locked_until" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text NOT NULL,
	"title" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"transmitted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoice_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"description" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"quantity" numeric DEFAULT 1 NOT NULL,
	"vat_rate" numeric DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text NOT NULL,
	"import_id" text NOT NULL,
	"invoice_number" text NOT NULL,
	"external_id" text,
	"issue_date" date NOT NULL,
	"due_date" date NOT NULL,
	"currency" text NOT NULL,
	"reference" text,
	"debtor" jsonb NOT NULL,
	"amount_total_cents" integer DEFAULT 0 NOT NULL,
	"amount_paid_cents" integer DEFAULT 0 NOT NULL,
	"amount_credited_cents" integer DEFAULT 0 NOT NULL,
	"fees_cents" integer DEFAULT 0 NOT NULL,
	"overpaid_cents" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"dunning_level" integer DEFAULT 0 NOT NULL,
	"next_action_at" timestamp with time zone,
	"policy_version" integer,
	"revision" integer DEFAULT 0 NOT NULL,
	"debt_collection_case_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"kind" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"key" text NOT NULL,
	"external_id" text,
	"reason" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"company_id" text NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"send_key" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text,
	"body_text" text NOT NULL,
	"body_html" text,
	"status" text NOT NULL,
	"transport" text NOT NULL,
	"provider_message_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "opt_outs" (
	"invoice_id" text NOT NULL,
	"channel" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opt_outs_invoice_id_channel_pk" PRIMARY KEY("invoice_id","channel")
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ip_allow_list" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pull_sources" (
	"company_id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"url" text NOT NULL,
	"bearer_token" text NOT NULL,
	"interval_minutes" integer DEFAULT 60 NOT NULL,
	"auto_transmit" boolean DEFAULT false NOT NULL,
	"draft_import_id" text,
	"last_run_at" timestamp with time zone,
	"last_status" text,
	"last_error" text,
	"last_imported_count" integer,
	"last_result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pull_staged_invoices" (
	"run_key" text NOT NULL,
	"company_id" text NOT NULL,
	"page" integer NOT NULL,
	"position" integer NOT NULL,
	"external_id" text NOT NULL,
	"record" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pull_staged_invoices_run_key_page_position_pk" PRIMARY KEY("run_key","page","position")
);
--> statement-breakpoint
CREATE TABLE "rate_limit_windows" (
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL,
	CONSTRAINT "rate_limit_windows_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
CREATE TABLE "sftp_credentials" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"username" text NOT NULL,
	"password_hash" text,
	"public_keys" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"event_id" text NOT NULL,
	"delivery_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"url" text NOT NULL,
	"event_types" jsonb,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_relay_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"cursor" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_transactions" ADD CONSTRAINT "bank_transactions_statement_id_bank_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."bank_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_transactions" ADD CONSTRAINT "bank_transactions_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_files" ADD CONSTRAINT "batch_files_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_documents" ADD CONSTRAINT "company_documents_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_user_id_console_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."console_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_case_documents" ADD CONSTRAINT "debt_collection_case_documents_case_id_debt_collection_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."debt_collection_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_case_documents" ADD CONSTRAINT "debt_collection_case_documents_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_cases" ADD CONSTRAINT "debt_collection_cases_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_cases" ADD CONSTRAINT "debt_collection_cases_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_cases" ADD CONSTRAINT "debt_collection_cases_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collection_collected_amounts" ADD CONSTRAINT "debt_collection_collected_amounts_case_id_debt_collection_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."debt_collection_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debt_collector_configurations" ADD CONSTRAINT "debt_collector_configurations_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dunning_policies" ADD CONSTRAINT "dunning_policies_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opt_outs" ADD CONSTRAINT "opt_outs_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_sources" ADD CONSTRAINT "pull_sources_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_sources" ADD CONSTRAINT "pull_sources_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_sources" ADD CONSTRAINT "pull_sources_draft_import_id_imports_id_fk" FOREIGN KEY ("draft_import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sftp_credentials" ADD CONSTRAINT "sftp_credentials_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "bank_transactions_status" ON "bank_transactions" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "bank_transactions_statement" ON "bank_transactions" USING btree ("statement_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "batch_files_partner_sha256" ON "batch_files" USING btree ("partner_id","sha256");--> statement-breakpoint
CREATE INDEX "batch_files_partner" ON "batch_files" USING btree ("partner_id","id");--> statement-breakpoint
CREATE INDEX "companies_partner" ON "companies" USING btree ("partner_id","id");--> statement-breakpoint
CREATE INDEX "console_sessions_user" ON "console_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "console_sessions_expires" ON "console_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "debt_collection_case_documents_case" ON "debt_collection_case_documents" USING btree ("case_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "debt_collection_case_documents_dedupe" ON "debt_collection_case_documents" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "debt_collection_cases_company_external" ON "debt_collection_cases" USING btree ("company_id","external_id");--> statement-breakpoint
CREATE INDEX "debt_collection_cases_partner" ON "debt_collection_cases" USING btree ("partner_id","id");--> statement-breakpoint
CREATE INDEX "debt_collection_cases_company_state" ON "debt_collection_cases" USING btree ("company_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "debt_collection_collected_amounts_case_sequence" ON "debt_collection_collected_amounts" USING btree ("case_id","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "debt_collection_collected_amounts_collector_reference" ON "debt_collection_collected_amounts" USING btree ("case_id","collector_reference");--> statement-breakpoint
CREATE UNIQUE INDEX "debt_collector_configurations_company_version" ON "debt_collector_configurations" USING btree ("company_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "dunning_policies_company_version" ON "dunning_policies" USING btree ("company_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "events_id" ON "events" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_dedupe_key" ON "events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "events_partner_seq" ON "events" USING btree ("partner_id","seq");--> statement-breakpoint
CREATE INDEX "events_invoice_seq" ON "events" USING btree ("invoice_id","seq");--> statement-breakpoint
CREATE INDEX "events_partner_created" ON "events" USING btree ("partner_id","created_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "imports_company" ON "imports" USING btree ("company_id","id");--> statement-breakpoint
CREATE INDEX "invoice_lines_invoice" ON "invoice_lines" USING btree ("invoice_id","id");--> statement-breakpoint
CREATE INDEX "invoices_partner_id" ON "invoices" USING btree ("partner_id","id");--> statement-breakpoint
CREATE INDEX "invoices_import" ON "invoices" USING btree ("import_id","id");--> statement-breakpoint
CREATE INDEX "invoices_company_status" ON "invoices" USING btree ("company_id","status");--> statement-breakpoint
CREATE INDEX "invoices_updated" ON "invoices" USING btree ("partner_id","updated_at");--> statement-breakpoint
CREATE INDEX "invoices_company_external_id" ON "invoices" USING btree ("company_id","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_invoice_key" ON "ledger_entries" USING btree ("invoice_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_send_key" ON "messages" USING btree ("send_key");--> statement-breakpoint
CREATE INDEX "messages_invoice" ON "messages" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "pull_staged_invoices_created" ON "pull_staged_invoices" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "rate_limit_windows_start" ON "rate_limit_windows" USING btree ("window_start");--> statement-breakpoint
CREATE UNIQUE INDEX "sftp_credentials_live_username" ON "sftp_credentials" USING btree ("username") WHERE "sftp_credentials"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "sftp_credentials_partner" ON "sftp_credentials" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_attempts_delivery_attempt" ON "webhook_attempts" USING btree ("delivery_id","attempt");--> statement-breakpoint
CREATE INDEX "webhook_attempts_endpoint" ON "webhook_attempts" USING btree ("endpoint_id","id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_partner" ON "webhook_endpoints" USING btree ("partner_id","id");