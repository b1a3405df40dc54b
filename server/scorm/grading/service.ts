/**
 * Server grading of our own courses. Their hosted build ships the question bank without its
 * answers; the answers are read here from the course source, the server draws each test (after
 * every page has been reported read in the attempt), grades it and keeps each answer. The roll-up
 * (tracking/commit.ts) counts a completion of such a version only once a graded pass is on record,
 * so a learner who sets "passed" from the browser's console does not complete the course.
 */
import crypto from 'node:crypto';
import type { CourseSource } from '../../../courses/_build';
import type { Database } from '../../db/client';
import { withTransaction } from '../../db/transaction';
import { builtinCourseSource } from '../courses/builtin';
import { rollUpOwnAttempt } from '../tracking/service';
import type { LaunchGrant } from '../content/launches';
import { answersDoNotMatch, noOpenTest, notGraded, pagesUnread, unknownPage } from './errors';
import * as repo from './repository';

// The source of a course does not change while the process runs (a new one is a new install and a restart).
const sources = new Map<string, CourseSource | null>();

/** The launch's course source, with its answers; refused unless the version is graded here. */
async function sourceOf(db: Database, grant: LaunchGrant): Promise<CourseSource> {
  const version = await repo.versionGrading(db, grant.courseVersionId);
  if (!version?.gradedByServer) throw notGraded();
  if (!sources.has(version.slug)) sources.set(version.slug, builtinCourseSource(version.slug));
  const source = sources.get(version.slug);
  if (!source) throw notGraded();
  return source;
}

/** The learner reached a page: the first time is kept. Only the course's own page ids are taken. */
export async function recordPageRead(db: Database, grant: LaunchGrant, pageId: string, now: Date) {
  const source = await sourceOf(db, grant);
  if (!source.pages.some((p) => p.id === pageId)) throw unknownPage();
  await repo.insertPageRead(db, { attemptId: grant.attemptId, scoId: grant.scoId, pageId, staffId: grant.staffId, firstReadAt: now });
  const read = new Set(await repo.pagesRead(db, grant.attemptId, grant.scoId));
  return { read: read.size, pages: source.pages.length };
}

function shuffle<T>(list: readonly T[]): T[] {
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * The test to show: the open draw of this attempt's SCO if there is one (a learner who comes back
 * answers the same questions), else a new draw — as the browser drew it before: test.draw
 * questions at random from the bank, each with its choices shuffled. Without answers.
 */
export async function testToTake(db: Database, grant: LaunchGrant, now: Date) {
  const source = await sourceOf(db, grant);
  const read = new Set(await repo.pagesRead(db, grant.attemptId, grant.scoId));
  const unread = source.pages.filter((p) => !read.has(p.id)).map((p) => p.id);
  if (unread.length) throw pagesUnread(unread);
  const bank = new Map(source.questions.map((q) => [q.id, q]));
  let open = await repo.openTest(db, grant.attemptId, grant.scoId);
  // A draw naming a question the bank no longer has (a changed source) is set aside for a new one.
  if (open && !open.questionIds.every((id) => bank.has(id))) open = undefined;
  const questionIds =
    open?.questionIds ??
    shuffle(source.questions)
      .slice(0, Math.min(source.meta.test.draw, source.questions.length))
      .map((q) => q.id);
  const testId =
    open?.id ??
    (await repo.insertTest(db, { attemptId: grant.attemptId, scoId: grant.scoId, staffId: grant.staffId, questionIds, drawnAt: now }));
  return {
    testId,
    passPercent: source.meta.test.passPercent,
    questions: questionIds.map((id) => {
      const q = bank.get(id)!;
      return { id: q.id, prompt: q.prompt, choices: shuffle(q.choices).map((c) => ({ id: c.id, text: c.text })) };
    }),
  };
}

export interface SubmittedAnswer {
  questionId: string;
  choice: string;
}

/**
 * Grades the open draw: answers for exactly its questions, each a choice of its question. Each
 * answer is kept with whether it was right; the result says, per question, the right answer and
 * its explanation (shown only now). A pass rolls the attempt up in the same transaction: the
 * yearly result does not wait for the content's next commit, which may never come.
 */
export async function gradeTest(db: Database, grant: LaunchGrant, answers: SubmittedAnswer[], now: Date) {
  const source = await sourceOf(db, grant);
  const bank = new Map(source.questions.map((q) => [q.id, q]));
  const passPercent = source.meta.test.passPercent;
  return withTransaction(db, now, async (work) => {
    const open = await repo.openTest(work.tx, grant.attemptId, grant.scoId, true);
    if (!open) throw noOpenTest();
    const byId = new Map(answers.map((a) => [a.questionId, a.choice]));
    if (
      byId.size !== answers.length ||
      byId.size !== open.questionIds.length ||
      !open.questionIds.every((id) => {
        const choice = byId.get(id);
        return choice !== undefined && bank.get(id)?.choices.some((c) => c.id === choice);
      })
    )
      throw answersDoNotMatch();
    const graded = open.questionIds.map((id) => {
      const q = bank.get(id)!;
      const choice = byId.get(id)!;
      return { questionId: id, choice, correct: choice === q.answer, answer: q.answer, explanation: q.explanation };
    });
    const right = graded.filter((g) => g.correct).length;
    const score = Math.round((right * 100) / graded.length);
    const passed = score >= passPercent;
    await repo.recordGrade(
      work.tx,
      open.id,
      { submittedAt: now, scorePercent: score, passed },
      graded.map((g) => ({ questionId: g.questionId, choice: g.choice, correct: g.correct, answeredAt: now })),
    );
    if (passed) await rollUpOwnAttempt(work, grant.staffId, grant.attemptId);
    return { score, passed, passPercent, results: graded };
  });
}
