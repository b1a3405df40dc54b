import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../context';
import { allow } from '../auth/policies';
import { toCsv } from '../lib/csv';
import { localDate } from '../lib/dates';
import type { FieldErrors } from '../lib/errors';
import { flash } from '../lib/http';
import { idParam, input, validate, type FormRenderer } from '../lib/validate';
import { EXPORT_HEADER_KEYS, exportRows, presentListFilters, presentQuestionRow, presentThread } from './presenter';
import { AnswerSchema, AskFormQuerySchema, AskSchema, ExportQuerySchema, QuestionListQuerySchema, SettingsSchema } from './schema';
import * as questions from './service';

/**
 * Learners' questions (質問): asking and reading one's own at /questions, answering at
 * /admin/questions (the officer; a department head for their departments' staff when the officer
 * allows it). A question or answer outside the viewer's scope answers 404, like a missing one.
 */
export function questionsRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;

  async function renderAskForm(req: Request, res: Response, status: number, values: Record<string, unknown>, errors: FieldErrors) {
    const form = await questions.askForm(db, req.locale, undefined);
    res.status(status).render('questions/new', { title: req.t('questions.new.title'), courses: form.courses, values, errors });
  }
  // A refused question shows the form again with everything typed, so nothing is lost.
  const askForm: FormRenderer = (req, res, errors) => renderAskForm(req, res, 400, (req.body ?? {}) as Record<string, unknown>, errors);

  router.get('/questions', allow('questions:ask'), async (req, res) => {
    const rows = await questions.myQuestions(db, req.user!);
    const titles = await questions.courseTitlesFor(db, rows, req.locale);
    res.render('questions/list', {
      title: req.t('questions.mine.title'),
      rows: rows.map((q) => presentQuestionRow(q, titles, req.t, '/questions')),
    });
  });

  router.get('/questions/new', allow('questions:ask'), validate(AskFormQuerySchema, { source: 'query' }), async (req, res) => {
    const { course } = input(res, AskFormQuerySchema);
    const form = await questions.askForm(db, req.locale, course);
    res.render('questions/new', {
      title: req.t('questions.new.title'),
      courses: form.courses,
      values: { courseId: form.selected ?? '' },
      errors: {},
    });
  });

  router.post('/questions', allow('questions:ask'), validate(AskSchema, { form: askForm }), async (req, res) => {
    const id = await questions.ask(db, req.user!, input(res, AskSchema), clock());
    flash(req, 'success', req.t('questions.asked'));
    res.redirect(303, `/questions/${id}`);
  });

  router.get('/questions/:id', allow('questions:ask'), async (req, res) => {
    const { question, answers } = await questions.myQuestion(db, req.user!, idParam(req.params));
    const titles = await questions.courseTitlesFor(db, [question], req.locale);
    res.render('questions/show', { title: question.subject, ...presentThread(question, answers, titles, req.t) });
  });

  // ---- Answerers ----

  router.get('/admin/questions', allow('questions:answer'), validate(QuestionListQuerySchema, { source: 'query' }), async (req, res) => {
    const q = input(res, QuestionListQuerySchema);
    const list = await questions.questionList(db, req.user!, q, clock());
    const titles = await questions.courseTitlesFor(
      db,
      [...list.rows, ...list.courses.map((c) => ({ courseId: c.id, courseTitle: c.title }))],
      req.locale,
    );
    res.render('questions/admin-list', {
      title: req.t('questions.admin.title'),
      rows: list.rows.map((r) => presentQuestionRow(r, titles, req.t, '/admin/questions')),
      courses: list.courses.map((c) => ({ id: c.id, title: titles.get(c.id) ?? c.title })),
      filters: presentListFilters(q, list.year),
      managersMayAnswer: await questions.managersMayAnswer(db),
    });
  });

  router.get(
    '/admin/questions/export.csv',
    allow('questions:manage'),
    validate(ExportQuerySchema, { source: 'query' }),
    async (req, res) => {
      const record = await questions.yearRecord(db, input(res, ExportQuerySchema).year, clock());
      const titles = await questions.courseTitlesFor(db, record.questions, req.locale);
      const csv = toCsv(
        EXPORT_HEADER_KEYS.map((k) => req.t(k)),
        exportRows(record.questions, record.answers, titles, req.t),
      );
      res
        .attachment(`questions-FY${record.year}-${localDate(clock())}.csv`)
        .type('text/csv; charset=utf-8')
        .send(csv);
    },
  );

  router.post('/admin/questions/settings', allow('questions:manage'), validate(SettingsSchema), async (req, res) => {
    await questions.setManagersMayAnswer(db, req.user!, input(res, SettingsSchema), clock());
    flash(req, 'success', req.t('questions.settings.saved'));
    res.redirect(303, '/admin/questions');
  });

  /**
   * The question in the viewer's answering scope, found before the input is validated: a refused
   * answer re-renders the thread, and a question outside the scope must answer 404 there too.
   */
  const answerable: RequestHandler = async (req, res, next) => {
    res.locals.thread = await questions.answererQuestion(db, req.user!, idParam(req.params));
    next();
  };

  async function renderAnswerer(req: Request, res: Response, status: number, values: Record<string, unknown>, errors: FieldErrors) {
    const { question, answers, answerer } = res.locals.thread as Awaited<ReturnType<typeof questions.answererQuestion>>;
    const titles = await questions.courseTitlesFor(db, [question], req.locale);
    const thread = presentThread(question, answers, titles, req.t, (a) => questions.mayCorrect(answerer, req.user!, a));
    res.status(status).render('questions/admin-show', {
      title: question.subject,
      ...thread,
      asker: { name: question.askerName, employeeNo: question.askerEmployeeNo, department: question.askerDepartment ?? '' },
      values,
      errors,
    });
  }
  // A refused answer shows the thread again with the text typed (in the form it came from).
  const answerForm: FormRenderer = (req, res, errors) => renderAnswerer(req, res, 400, (req.body ?? {}) as Record<string, unknown>, errors);

  router.get('/admin/questions/:id', allow('questions:answer'), answerable, (req, res) => renderAnswerer(req, res, 200, {}, {}));

  router.post(
    '/admin/questions/:id/answers',
    allow('questions:answer'),
    answerable,
    validate(AnswerSchema, { form: answerForm }),
    async (req, res) => {
      const id = idParam(req.params);
      const { mailed } = await questions.answer(db, req.user!, id, input(res, AnswerSchema), clock(), ctx.config.baseUrl);
      flash(req, 'success', req.t(mailed ? 'questions.admin.answered' : 'questions.admin.answeredNoMail'));
      res.redirect(303, `/admin/questions/${id}`);
    },
  );

  return router;
}
