CREATE INDEX "invoices_reference_upper" ON "invoices" USING btree (upper("reference"));--> statement-breakpoint
CREATE INDEX "invoices_number_upper" ON "invoices" USING btree (upper("invoice_number"));--> statement-breakpoint
CREATE INDEX "invoices_id_upper" ON "invoices" USING btree (upper("id"));