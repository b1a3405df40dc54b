-- The audit log is append-only: the app only ever inserts, and nothing it runs may change or
-- remove an entry. Someone with the table owner's rights can still disable this trigger; the hash
-- chain (compliance/audit) then shows what changed. This stops the app itself, a bug or an
-- injected statement, from rewriting history.
CREATE OR REPLACE FUNCTION mamoru_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION mamoru_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION mamoru_audit_log_append_only();
