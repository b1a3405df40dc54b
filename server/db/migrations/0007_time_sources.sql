ALTER TABLE "attempts" ADD COLUMN "reported_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "measured_seconds" double precision DEFAULT 0;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "marked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sco_states" ADD COLUMN "session_opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sco_states" ADD COLUMN "session_measured_seconds" double precision;--> statement-breakpoint
ALTER TABLE "sco_states" ADD COLUMN "prior_measured_seconds" double precision DEFAULT 0;--> statement-breakpoint
ALTER TABLE "sco_states" ADD COLUMN "prior_counted_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Rows from before: every time so far is the content's report, none of it measured by the server.
UPDATE "attempts" SET "reported_seconds" = "total_seconds";--> statement-breakpoint
UPDATE "attempts" AS a SET "measured_seconds" = NULL WHERE EXISTS (SELECT 1 FROM "sco_states" AS s WHERE s."attempt_id" = a."id");--> statement-breakpoint
UPDATE "sco_states" SET "prior_counted_seconds" = "prior_sessions_seconds", "prior_measured_seconds" = NULL;--> statement-breakpoint
-- An officer marks only an attempt not yet satisfied, and marking satisfies it: its completion is the marking.
UPDATE "attempts" SET "marked_at" = "completed_at" WHERE "marked_by" IS NOT NULL;
