CREATE TABLE "attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"staff_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"course_version_id" integer NOT NULL,
	"fiscal_year" integer NOT NULL,
	"number" integer NOT NULL,
	"satisfied" boolean DEFAULT false NOT NULL,
	"completion" text DEFAULT 'not attempted' NOT NULL,
	"success" text DEFAULT 'unknown' NOT NULL,
	"score_scaled" double precision,
	"total_seconds" double precision DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"marked_by" integer,
	"marked_reason" text
);
--> statement-breakpoint
CREATE TABLE "course_results" (
	"staff_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"fiscal_year" integer NOT NULL,
	"status" text NOT NULL,
	"best_score_scaled" double precision,
	"completed_at" timestamp with time zone,
	"attempt_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_results_staff_id_course_id_fiscal_year_pk" PRIMARY KEY("staff_id","course_id","fiscal_year")
);
--> statement-breakpoint
CREATE TABLE "course_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"version_no" integer NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"zip" "bytea" NOT NULL,
	"standard" text NOT NULL,
	"title" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"warnings" jsonb NOT NULL,
	"completion_rule" text NOT NULL,
	"uploaded_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "courses" (
	"id" serial PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"origin" text DEFAULT 'uploaded' NOT NULL,
	"current_version_id" integer,
	"attempt_limit" integer,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sco_states" (
	"attempt_id" integer NOT NULL,
	"sco_id" integer NOT NULL,
	"cmi" jsonb NOT NULL,
	"session_no" integer DEFAULT 0 NOT NULL,
	"commit_seq" integer DEFAULT -1 NOT NULL,
	"prior_sessions_seconds" double precision DEFAULT 0 NOT NULL,
	"session_seconds" double precision DEFAULT 0 NOT NULL,
	"completion" text DEFAULT 'not attempted' NOT NULL,
	"success" text DEFAULT 'unknown' NOT NULL,
	"score_raw" double precision,
	"score_min" double precision,
	"score_max" double precision,
	"score_scaled" double precision,
	"location" text,
	"exit" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sco_states_attempt_id_sco_id_pk" PRIMARY KEY("attempt_id","sco_id")
);
--> statement-breakpoint
CREATE TABLE "scos" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_version_id" integer NOT NULL,
	"position" integer NOT NULL,
	"item_identifier" text NOT NULL,
	"resource_identifier" text NOT NULL,
	"title" text NOT NULL,
	"launch_path" text NOT NULL,
	"launch_query" text DEFAULT '' NOT NULL,
	"scorm_type" text NOT NULL,
	"is_visible" boolean DEFAULT true NOT NULL,
	"mastery_score" double precision,
	"completion_threshold" double precision,
	"scaled_passing_score" double precision,
	"max_time_allowed" text,
	"time_limit_action" text,
	"data_from_lms" text
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_course_version_id_course_versions_id_fk" FOREIGN KEY ("course_version_id") REFERENCES "public"."course_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_marked_by_staff_id_fk" FOREIGN KEY ("marked_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_results" ADD CONSTRAINT "course_results_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_results" ADD CONSTRAINT "course_results_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_results" ADD CONSTRAINT "course_results_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_versions" ADD CONSTRAINT "course_versions_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_versions" ADD CONSTRAINT "course_versions_uploaded_by_staff_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_states" ADD CONSTRAINT "sco_states_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_states" ADD CONSTRAINT "sco_states_sco_id_scos_id_fk" FOREIGN KEY ("sco_id") REFERENCES "public"."scos"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scos" ADD CONSTRAINT "scos_course_version_id_course_versions_id_fk" FOREIGN KEY ("course_version_id") REFERENCES "public"."course_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_staff_course_year_number_key" ON "attempts" USING btree ("staff_id","course_id","fiscal_year","number");--> statement-breakpoint
CREATE INDEX "attempts_course_year_idx" ON "attempts" USING btree ("course_id","fiscal_year");--> statement-breakpoint
CREATE INDEX "course_results_course_year_idx" ON "course_results" USING btree ("course_id","fiscal_year");--> statement-breakpoint
CREATE UNIQUE INDEX "course_versions_course_version_key" ON "course_versions" USING btree ("course_id","version_no");--> statement-breakpoint
CREATE UNIQUE INDEX "courses_slug_key" ON "courses" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "scos_version_item_key" ON "scos" USING btree ("course_version_id","item_identifier");