CREATE TABLE "assignments" (
	"id" serial PRIMARY KEY NOT NULL,
	"requirement_id" integer NOT NULL,
	"staff_id" integer NOT NULL,
	"in_audience" boolean DEFAULT true NOT NULL,
	"joined_on" date,
	"exempt_kind" text,
	"exempt_reason" text,
	"exempted_by" integer,
	"exempted_at" timestamp with time zone,
	"attended_at" timestamp with time zone,
	"session_ref" text,
	"attendance_recorded_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignments_exempt_reason" CHECK (("assignments"."exempt_kind" IS NULL) = ("assignments"."exempt_reason" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "plan_requirements" (
	"id" serial PRIMARY KEY NOT NULL,
	"plan_id" integer NOT NULL,
	"kind" text NOT NULL,
	"course_id" integer,
	"title" text,
	"due_on" date NOT NULL,
	"join_days" integer DEFAULT 30 NOT NULL,
	"added_on" date NOT NULL,
	"audience_all" boolean DEFAULT false NOT NULL,
	"department_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"job_category_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"staff_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"excluded_staff_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"test_confirmed" boolean DEFAULT false NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"removed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plan_requirements_course_kind" CHECK (("plan_requirements"."kind" = 'course') = ("plan_requirements"."course_id" IS NOT NULL)),
	CONSTRAINT "plan_requirements_join_days" CHECK ("plan_requirements"."join_days" >= 0 AND "plan_requirements"."join_days" <= 366)
);
--> statement-breakpoint
CREATE TABLE "training_plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"fiscal_year" integer NOT NULL,
	"title" text NOT NULL,
	"starts_on" date NOT NULL,
	"year_ends_on" date NOT NULL,
	"copied_from_id" integer,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_requirement_id_plan_requirements_id_fk" FOREIGN KEY ("requirement_id") REFERENCES "public"."plan_requirements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_exempted_by_staff_id_fk" FOREIGN KEY ("exempted_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_attendance_recorded_by_staff_id_fk" FOREIGN KEY ("attendance_recorded_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_requirements" ADD CONSTRAINT "plan_requirements_plan_id_training_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."training_plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_requirements" ADD CONSTRAINT "plan_requirements_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_plans" ADD CONSTRAINT "training_plans_created_by_staff_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_requirement_staff_key" ON "assignments" USING btree ("requirement_id","staff_id");--> statement-breakpoint
CREATE INDEX "assignments_staff_idx" ON "assignments" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "plan_requirements_plan_idx" ON "plan_requirements" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "training_plans_year_idx" ON "training_plans" USING btree ("fiscal_year");