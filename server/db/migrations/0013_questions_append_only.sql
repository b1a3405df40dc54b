-- Questions and their answers are the year's evidence of the question channel MHLW asks of
-- e-learning: the app only ever inserts them. A question is never edited; an answer is corrected
-- by a new answer (corrects_answer_id), and the first stays as it was. As for the audit log, the
-- table owner can still disable this; it stops the app itself, a bug or an injected statement.
CREATE OR REPLACE FUNCTION mamoru_questions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER questions_append_only BEFORE UPDATE OR DELETE ON questions FOR EACH ROW EXECUTE FUNCTION mamoru_questions_append_only();
--> statement-breakpoint
CREATE TRIGGER questions_no_truncate BEFORE TRUNCATE ON questions FOR EACH STATEMENT EXECUTE FUNCTION mamoru_questions_append_only();
--> statement-breakpoint
CREATE TRIGGER question_answers_append_only BEFORE UPDATE OR DELETE ON question_answers FOR EACH ROW EXECUTE FUNCTION mamoru_questions_append_only();
--> statement-breakpoint
CREATE TRIGGER question_answers_no_truncate BEFORE TRUNCATE ON question_answers FOR EACH STATEMENT EXECUTE FUNCTION mamoru_questions_append_only();
