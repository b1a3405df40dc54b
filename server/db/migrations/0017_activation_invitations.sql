CREATE TABLE "activation_invitations" (
	"id" serial PRIMARY KEY NOT NULL,
	"staff_id" integer NOT NULL,
	"channel" text NOT NULL,
	"code_hash" text,
	"issued_by" integer,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"opened_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "activation_invitations" ADD CONSTRAINT "activation_invitations_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activation_invitations" ADD CONSTRAINT "activation_invitations_issued_by_staff_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "activation_invitations_code_key" ON "activation_invitations" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "activation_invitations_staff_idx" ON "activation_invitations" USING btree ("staff_id","issued_at");