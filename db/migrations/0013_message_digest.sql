ALTER TABLE "messages" ADD COLUMN "digest_id" text;--> statement-breakpoint
CREATE INDEX "messages_digest" ON "messages" USING btree ("digest_id");