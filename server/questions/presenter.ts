import type { AnswerRole } from '../db/schema';
import { localDateTime } from '../lib/dates';
import type { Translate } from '../lib/i18n';
import type { QuestionListQuery } from './schema';
import type { AnswerRow, QuestionRow } from './service';

/** The capacity an answer was given in, as the reader's language names it (keys spelled out for the catalog test). */
const ROLE_KEYS: Record<AnswerRole, string> = { officer: 'questions.role.officer', manager: 'questions.role.manager' };

/** Typed text keeps its line breaks: the view writes each line, escaped, with a <br> between. */
const linesOf = (text: string) => text.split('\n');

const courseLabel = (q: QuestionRow, titles: Map<number, string>, t: Translate) =>
  q.courseId === null ? t('questions.general') : (titles.get(q.courseId) ?? q.courseTitle ?? '');

export function presentQuestionRow(q: QuestionRow, titles: Map<number, string>, t: Translate, hrefBase: '/questions' | '/admin/questions') {
  const answered = q.answerCount > 0;
  return {
    id: q.id,
    href: `${hrefBase}/${q.id}`,
    subject: q.subject,
    course: courseLabel(q, titles, t),
    askedAt: localDateTime(q.askedAt),
    answered,
    status: t(answered ? 'questions.status.answered' : 'questions.status.open'),
    answers: q.answerCount,
    lastAnsweredAt: q.lastAnsweredAt ? localDateTime(q.lastAnsweredAt) : '',
    asker: `${q.askerName}（${q.askerEmployeeNo}）`,
    department: q.askerDepartment ?? '',
  };
}

export interface AnswerEntryView {
  id: number;
  number: number;
  lines: string[];
  by: string;
  at: string;
  /** The number of the answer this one corrects. */
  corrects: number | null;
  /** Numbers of the answers that correct this one. */
  correctedBy: number[];
  /** Whether this viewer may add a correction of it (answerers only). */
  correctable: boolean;
}

/** A question and its answers in the order written, numbered as people quote them (回答 1, 回答 2…). */
export function presentThread(
  q: QuestionRow,
  answers: AnswerRow[],
  titles: Map<number, string>,
  t: Translate,
  correctable: (a: AnswerRow) => boolean = () => false,
) {
  const numberOf = new Map(answers.map((a, i) => [a.id, i + 1]));
  const entries: AnswerEntryView[] = answers.map((a) => ({
    id: a.id,
    number: numberOf.get(a.id)!,
    lines: linesOf(a.body),
    by: t('questions.thread.by', { name: a.authorName, role: t(ROLE_KEYS[a.authorRole]) }),
    at: localDateTime(a.answeredAt),
    corrects: a.correctsAnswerId === null ? null : (numberOf.get(a.correctsAnswerId) ?? null),
    correctedBy: answers.filter((b) => b.correctsAnswerId === a.id).map((b) => numberOf.get(b.id)!),
    correctable: correctable(a),
  }));
  return {
    question: { ...presentQuestionRow(q, titles, t, '/questions'), lines: linesOf(q.body), fiscalYear: q.fiscalYear },
    entries,
  };
}

/** The officer's list filters as links and form values (they live in the URL, so a reload keeps them). */
export function presentListFilters(q: QuestionListQuery, year: number) {
  const link = (status: QuestionListQuery['status']) => {
    const params = new URLSearchParams({ status, year: String(year) });
    if (q.course !== undefined) params.set('course', String(q.course));
    return `/admin/questions?${params.toString()}`;
  };
  return {
    status: q.status,
    course: q.course === undefined ? '' : String(q.course),
    year,
    statusLinks: (['open', 'answered', 'all'] as const).map((s) => ({ status: s, href: link(s), current: s === q.status })),
    exportHref: `/admin/questions/export.csv?year=${year}`,
  };
}

/** The evidence export: one row per answer (a question not yet answered has one row with the answer cells empty). */
export function exportRows(questions: QuestionRow[], answers: AnswerRow[], titles: Map<number, string>, t: Translate): unknown[][] {
  const byQuestion = new Map<number, AnswerRow[]>();
  for (const a of answers) (byQuestion.get(a.questionId) ?? byQuestion.set(a.questionId, []).get(a.questionId)!).push(a);
  const rows: unknown[][] = [];
  for (const q of questions) {
    const own = byQuestion.get(q.id) ?? [];
    const numberOf = new Map(own.map((a, i) => [a.id, i + 1]));
    const question = [
      q.fiscalYear,
      q.id,
      localDateTime(q.askedAt),
      q.askerEmployeeNo,
      q.askerName,
      q.askerDepartment ?? '',
      courseLabel(q, titles, t),
      q.subject,
      q.body,
    ];
    if (own.length === 0) rows.push([...question, '', '', '', '', '', '']);
    for (const a of own) {
      rows.push([
        ...question,
        numberOf.get(a.id),
        localDateTime(a.answeredAt),
        a.authorName,
        t(ROLE_KEYS[a.authorRole]),
        a.correctsAnswerId === null ? '' : (numberOf.get(a.correctsAnswerId) ?? ''),
        a.body,
      ]);
    }
  }
  return rows;
}

export const EXPORT_HEADER_KEYS = [
  'questions.csv.fiscalYear',
  'questions.csv.questionNo',
  'questions.csv.askedAt',
  'questions.csv.employeeNo',
  'questions.csv.name',
  'questions.csv.department',
  'questions.csv.course',
  'questions.csv.subject',
  'questions.csv.body',
  'questions.csv.answerNo',
  'questions.csv.answeredAt',
  'questions.csv.answeredBy',
  'questions.csv.answeredAs',
  'questions.csv.corrects',
  'questions.csv.answer',
];
