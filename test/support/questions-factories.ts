import type { Database } from '../../server/db/client';
import { questionAnswers, questions, type AnswerRole } from '../../server/db/schema';
import { fiscalYearOf } from '../../server/training/fiscal-year';
import { makeStaff } from './factories';

export interface QuestionOverrides {
  staffId?: number;
  courseId?: number | null;
  subject?: string;
  body?: string;
  askedAt?: Date;
  fiscalYear?: number;
}

/** A question (by its own staff member, about the training in general, asked now, unless given). */
export async function makeQuestion(db: Database, o: QuestionOverrides = {}) {
  const staffId = o.staffId ?? (await makeStaff(db)).id;
  const askedAt = o.askedAt ?? new Date();
  const [row] = await db
    .insert(questions)
    .values({
      staffId,
      courseId: o.courseId ?? null,
      fiscalYear: o.fiscalYear ?? fiscalYearOf(askedAt),
      subject: o.subject ?? '質問の件名',
      body: o.body ?? '質問の内容です。',
      askedAt,
    })
    .returning();
  return row!;
}

export interface AnswerOverrides {
  authorId: number;
  authorRole?: AnswerRole;
  body?: string;
  correctsAnswerId?: number | null;
  answeredAt?: Date;
}

export async function makeAnswer(db: Database, questionId: number, o: AnswerOverrides) {
  const [row] = await db
    .insert(questionAnswers)
    .values({
      questionId,
      authorId: o.authorId,
      authorRole: o.authorRole ?? 'officer',
      body: o.body ?? '回答です。',
      correctsAnswerId: o.correctsAnswerId ?? null,
      answeredAt: o.answeredAt ?? new Date(),
    })
    .returning();
  return row!;
}
