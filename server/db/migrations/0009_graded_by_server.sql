CREATE TABLE "graded_answers" (
	"test_id" integer NOT NULL,
	"question_id" text NOT NULL,
	"choice" text NOT NULL,
	"correct" boolean NOT NULL,
	"answered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "graded_answers_test_id_question_id_pk" PRIMARY KEY("test_id","question_id")
);
--> statement-breakpoint
CREATE TABLE "graded_tests" (
	"id" serial PRIMARY KEY NOT NULL,
	"attempt_id" integer NOT NULL,
	"sco_id" integer NOT NULL,
	"staff_id" integer NOT NULL,
	"question_ids" jsonb NOT NULL,
	"drawn_at" timestamp with time zone NOT NULL,
	"submitted_at" timestamp with time zone,
	"score_percent" integer,
	"passed" boolean
);
--> statement-breakpoint
CREATE TABLE "grading_page_reads" (
	"attempt_id" integer NOT NULL,
	"sco_id" integer NOT NULL,
	"page_id" text NOT NULL,
	"staff_id" integer NOT NULL,
	"first_read_at" timestamp with time zone NOT NULL,
	CONSTRAINT "grading_page_reads_attempt_id_sco_id_page_id_pk" PRIMARY KEY("attempt_id","sco_id","page_id")
);
--> statement-breakpoint
ALTER TABLE "course_versions" ADD COLUMN "graded_by_server" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "graded_answers" ADD CONSTRAINT "graded_answers_test_id_graded_tests_id_fk" FOREIGN KEY ("test_id") REFERENCES "public"."graded_tests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "graded_tests" ADD CONSTRAINT "graded_tests_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "graded_tests" ADD CONSTRAINT "graded_tests_sco_id_scos_id_fk" FOREIGN KEY ("sco_id") REFERENCES "public"."scos"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "graded_tests" ADD CONSTRAINT "graded_tests_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grading_page_reads" ADD CONSTRAINT "grading_page_reads_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grading_page_reads" ADD CONSTRAINT "grading_page_reads_sco_id_scos_id_fk" FOREIGN KEY ("sco_id") REFERENCES "public"."scos"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grading_page_reads" ADD CONSTRAINT "grading_page_reads_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "graded_tests_attempt_idx" ON "graded_tests" USING btree ("attempt_id","sco_id");