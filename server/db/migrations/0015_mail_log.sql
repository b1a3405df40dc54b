CREATE TABLE "mail_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint NOT NULL,
	"message_id" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"topic" text NOT NULL,
	"staff_id" integer,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"smtp_response" text,
	"queued_at" timestamp with time zone NOT NULL,
	"last_attempt_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "mail_log" ADD CONSTRAINT "mail_log_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mail_log_job_key" ON "mail_log" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "mail_log_recent_idx" ON "mail_log" USING btree ("last_attempt_at","id");--> statement-breakpoint
CREATE INDEX "mail_log_staff_idx" ON "mail_log" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "mail_log_unsent_idx" ON "mail_log" USING btree ("status") WHERE "mail_log"."status" <> 'sent';