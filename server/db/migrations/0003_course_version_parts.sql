CREATE TABLE "course_version_parts" (
	"version_id" integer NOT NULL,
	"part_no" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	CONSTRAINT "course_version_parts_version_id_part_no_pk" PRIMARY KEY("version_id","part_no")
);
--> statement-breakpoint
ALTER TABLE "course_version_parts" ADD CONSTRAINT "course_version_parts_version_id_course_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."course_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Every zip already stored moves into parts of 4 MiB (the size the application writes), so
-- nothing imported before this migration is lost. A zip does not compress further, so it is
-- stored uncompressed, and substring() then reads only the slice it needs, not the whole zip per part.
INSERT INTO "course_version_parts" ("version_id", "part_no", "bytes")
SELECT v."id", p."part_no", substring(v."zip" FROM p."part_no" * 4194304 + 1 FOR 4194304)
FROM "course_versions" v
CROSS JOIN LATERAL generate_series(0, greatest((length(v."zip") - 1) / 4194304, 0)) AS p("part_no");--> statement-breakpoint
ALTER TABLE "course_versions" DROP COLUMN "zip";