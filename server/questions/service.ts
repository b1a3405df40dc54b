import { rosterScope, type Viewer } from '../auth/policies';
import { recordAudit } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction } from '../db/transaction';
import type { AnswerRole, Locale } from '../db/schema';
import { getHospitalProfile } from '../hospital/service';
import { AppError, ValidationError, notFound } from '../lib/errors';
import { isLocale, translator } from '../lib/i18n';
import { queueMail } from '../mail/service';
import { findCourseBySlugOrNull, getCourse, learnerTitles, listCourses } from '../scorm/courses/service';
import { getStaff } from '../staff/service';
import { currentFiscalYear } from '../training/fiscal-year';
import * as repo from './repository';
import type { AnswerInput, AskInput, QuestionListQuery, SettingsInput } from './schema';

export type { AnswerRow, QuestionRow } from './repository';

/** Courses are named in the reader's language (our courses' manifests carry both). */
export async function courseTitlesFor(db: Database, rows: { courseId: number | null; courseTitle: string | null }[], locale: string) {
  const list = [
    ...new Map(rows.filter((r) => r.courseId !== null).map((r) => [r.courseId!, { id: r.courseId!, title: r.courseTitle ?? '' }])).values(),
  ];
  return learnerTitles(db, list, locale);
}

// ---- Asking ---------------------------------------------------------------------------------

/**
 * The form's course list (every course learners can see) and the one `?course=` names: an id, a
 * slug, or the short slug our courses know themselves by (`cyber-management` for mamoru-cyber-management).
 */
export async function askForm(db: Database, locale: string, courseParam: string | undefined) {
  const list = await listCourses(db);
  const titles = await learnerTitles(db, list, locale);
  let selected: number | undefined;
  if (courseParam) {
    if (/^\d+$/.test(courseParam)) selected = list.find((c) => c.id === Number(courseParam))?.id;
    else {
      const course = (await findCourseBySlugOrNull(db, courseParam)) ?? (await findCourseBySlugOrNull(db, `mamoru-${courseParam}`));
      selected = course && !course.archivedAt ? course.id : undefined;
    }
  }
  return { courses: list.map((c) => ({ id: c.id, title: titles.get(c.id) ?? c.title })), selected };
}

export async function ask(db: Database, viewer: Viewer, input: AskInput, now: Date): Promise<number> {
  let courseTitle: string | null = null;
  if (input.courseId !== undefined) {
    // Only "no such course" is the learner's mistake; anything else (the database gone) stays an error.
    const course = await getCourse(db, input.courseId).catch((err: unknown) => {
      if (err instanceof AppError && err.status === 404) return undefined;
      throw err;
    });
    if (!course || course.archivedAt) throw new ValidationError({ courseId: ['questions.validation.noSuchCourse'] });
    courseTitle = course.title;
  }
  const year = (await currentFiscalYear(db, now)).year;
  return withTransaction(db, now, async (work) => {
    const id = await repo.insertQuestion(work.tx, {
      staffId: viewer.id,
      courseId: input.courseId ?? null,
      fiscalYear: year,
      subject: input.subject,
      body: input.body,
      askedAt: now,
    });
    recordAudit(work, [
      {
        actorId: viewer.id,
        action: 'question.ask',
        subjectType: 'question',
        subjectId: id,
        details: { course: courseTitle, subject: input.subject, fiscalYear: year },
      },
    ]);
    return id;
  });
}

export interface Thread {
  question: repo.QuestionRow;
  answers: repo.AnswerRow[];
}

async function threadOf(db: Database, scope: repo.QuestionScope, id: number): Promise<Thread> {
  const question = await repo.findQuestion(db, scope, id);
  if (!question) throw notFound();
  return { question, answers: await repo.answersOf(db, [id]) };
}

/** The asker's own questions with their answers; anyone else's answers 404 here. */
export async function myQuestions(db: Database, viewer: Viewer) {
  return repo.listOwn(db, viewer.id);
}

export const myQuestion = (db: Database, viewer: Viewer, id: number) => threadOf(db, { asker: viewer.id }, id);

// ---- Answering ------------------------------------------------------------------------------

export interface Answerer {
  scope: repo.QuestionScope;
  role: AnswerRole;
}

export async function managersMayAnswer(db: Database): Promise<boolean> {
  return (await repo.getSettings(db))?.managersMayAnswer ?? false;
}

/**
 * Whose questions this viewer answers: the officer every one; a department head only their own
 * departments' staff, and only while the officer allows it. Anyone else answers none: the pages
 * answer 404 for them, as for a question outside their scope.
 */
export async function answererOf(db: Database, viewer: Viewer): Promise<Answerer> {
  if (viewer.roles.includes('officer')) return { scope: { all: true }, role: 'officer' };
  if (viewer.roles.includes('manager') && (await managersMayAnswer(db))) {
    const scope = rosterScope(viewer);
    return { scope: scope.all ? { all: true } : { departmentIds: scope.departmentIds }, role: 'manager' };
  }
  throw notFound();
}

export async function questionList(db: Database, viewer: Viewer, q: QuestionListQuery, now: Date) {
  const { scope } = await answererOf(db, viewer);
  const year = q.year ?? (await currentFiscalYear(db, now)).year;
  const [rows, courses] = await Promise.all([
    repo.listForAnswerer(db, scope, { year, status: q.status, course: q.course }),
    repo.coursesAskedAbout(db, scope, year),
  ]);
  return { year, rows, courses };
}

export async function answererQuestion(db: Database, viewer: Viewer, id: number): Promise<Thread & { answerer: Answerer }> {
  const answerer = await answererOf(db, viewer);
  return { ...(await threadOf(db, answerer.scope, id)), answerer };
}

/** Who may correct an answer: the officer any; a department head only their own. */
export const mayCorrect = (answerer: Answerer, viewer: Viewer, a: repo.AnswerRow) =>
  answerer.role === 'officer' || a.authorId === viewer.id;

const ANSWERED_MAIL = { subject: 'questions.mail.answered.subject', text: 'questions.mail.answered.text' };
const CORRECTED_MAIL = { subject: 'questions.mail.corrected.subject', text: 'questions.mail.corrected.text' };

/**
 * Adds an answer (or a correction: a new answer naming the one it corrects, which stays as it
 * was), audits it, and tells the asker by mail in their language when they have an address.
 */
export async function answer(db: Database, viewer: Viewer, id: number, input: AnswerInput, now: Date, baseUrl: string) {
  const answerer = await answererOf(db, viewer);
  const { question, answers } = await threadOf(db, answerer.scope, id);
  const corrected = input.correctsAnswerId === undefined ? undefined : answers.find((a) => a.id === input.correctsAnswerId);
  if (input.correctsAnswerId !== undefined && (!corrected || !mayCorrect(answerer, viewer, corrected))) {
    throw new ValidationError({ correctsAnswerId: ['questions.validation.noSuchAnswer'] });
  }
  const asker = await getStaff(db, { all: true }, question.staffId);
  const hospitalName = (await getHospitalProfile(db))?.name;
  return withTransaction(db, now, async (work) => {
    const answerId = await repo.insertAnswer(work.tx, {
      questionId: question.id,
      authorId: viewer.id,
      authorRole: answerer.role,
      body: input.body,
      correctsAnswerId: corrected?.id ?? null,
      answeredAt: now,
    });
    let mailed = false;
    if (asker.email) {
      const locale: Locale = isLocale(asker.locale) ? asker.locale : 'ja';
      const t = translator(locale);
      const mail = corrected ? CORRECTED_MAIL : ANSWERED_MAIL;
      await queueMail(work, {
        to: asker.email,
        subject: t(mail.subject, { subject: question.subject, hospital: hospitalName ?? t('app.name') }),
        text: t(mail.text, {
          name: asker.name,
          hospital: hospitalName ?? t('app.name'),
          subject: question.subject,
          link: `${baseUrl.replace(/\/$/, '')}/questions/${question.id}`,
        }),
        topic: 'question.answered',
        staffId: asker.id,
      });
      mailed = true;
    }
    recordAudit(work, [
      {
        actorId: viewer.id,
        action: corrected ? 'question.correct-answer' : 'question.answer',
        subjectType: 'question',
        subjectId: question.id,
        details: {
          question: question.subject,
          askedBy: `${question.askerEmployeeNo} ${question.askerName}`,
          answeredAs: answerer.role,
          answer: input.body,
          ...(corrected ? { correctsAnswerOf: corrected.answeredAt.toISOString(), correctsAnswerId: corrected.id } : {}),
          answerId,
          mailedTo: mailed ? asker.email : null,
        },
      },
    ]);
    return { answerId, mailed };
  });
}

// ---- The officer's setting and the evidence -----------------------------------------------

export async function setManagersMayAnswer(db: Database, viewer: Viewer, input: SettingsInput, now: Date) {
  await withTransaction(db, now, async (work) => {
    const before = (await repo.lockSettings(work.tx))?.managersMayAnswer ?? false;
    if (before === input.managersMayAnswer) return;
    await repo.saveSettings(work.tx, { managersMayAnswer: input.managersMayAnswer, updatedBy: viewer.id }, now);
    recordAudit(work, [
      {
        actorId: viewer.id,
        action: input.managersMayAnswer ? 'question.allow-managers' : 'question.disallow-managers',
        subjectType: 'question_settings',
        subjectId: 1,
        details: { before: { managersMayAnswer: before }, after: { managersMayAnswer: input.managersMayAnswer } },
      },
    ]);
  });
}

export async function yearRecord(db: Database, year: number | undefined, now: Date) {
  const y = year ?? (await currentFiscalYear(db, now)).year;
  return { year: y, ...(await repo.yearRecord(db, y)) };
}
