import { isDuration2004, isTime12, isTimespan12, isTimestamp2004 } from './time';

/**
 * The SCORM run-time data models as rules for the elements a SCO may write. Element paths use
 * `n` for array indexes (`cmi.interactions.n.id`). Elements the LMS owns (learner id, credit,
 * entry, mode, total_time, …) are listed as `lmsOwned`: content echoes them back in every
 * commit, and the server ignores what it sends for them.
 */
export type Check = (v: string) => boolean;

export interface ElementRule {
  check: Check;
  /** What the check enforces, for the log line when a commit is refused. */
  expects: string;
}

/**
 * Whether a string has at most n characters, counted as SCORM counts them (code points, so a
 * kanji outside the BMP is one). Without allocating: suspend_data may be 64,000 of them and
 * arrives every few seconds.
 */
export function withinLength(v: string, n: number): boolean {
  if (v.length <= n) return true; // code points never outnumber UTF-16 units
  if (v.length > 2 * n) return false;
  let count = 0;
  for (let i = 0; i < v.length; i++) {
    const unit = v.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < v.length) {
      const next = v.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++count > n) return false;
  }
  return true;
}

const maxLen = (n: number): ElementRule => ({ check: (v) => withinLength(v, n), expects: `at most ${n} characters` });
const vocab = (...words: string[]): ElementRule => ({
  check: (v) => words.includes(v),
  expects: `one of ${words.map((w) => `"${w}"`).join(', ')}`,
});
const DECIMAL = /^-?\d+(\.\d+)?$/;
const decimal = (min: number | null, max: number | null, blankOk = true): ElementRule => ({
  check: (v) => (v === '' ? blankOk : DECIMAL.test(v) && (min === null || Number(v) >= min) && (max === null || Number(v) <= max)),
  expects: `a number${min !== null ? ` >= ${min}` : ''}${max !== null ? ` <= ${max}` : ''}${blankOk ? ' or empty' : ''}`,
});
const integer = (min: number, max: number): ElementRule => ({
  check: (v) => v === '' || (/^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max),
  expects: `a whole number from ${min} to ${max}`,
});
const blankOr = (check: Check, expects: string): ElementRule => ({ check: (v) => v === '' || check(v), expects: `${expects} or empty` });
const IDENTIFIER_12 = /^[\x21-\x7e]{1,255}$/; // CMIIdentifier: no spaces, printable ASCII
const identifier12: ElementRule = { check: (v) => v === '' || IDENTIFIER_12.test(v), expects: 'an identifier (no spaces, up to 255)' };
const longIdentifier: ElementRule = {
  check: (v) => withinLength(v, 4000) && !/\s/.test(v),
  expects: 'an identifier without spaces (up to 4000)',
};

const STATUS_12 = ['passed', 'completed', 'failed', 'incomplete', 'browsed', 'not attempted'];
const INTERACTION_TYPES_12 = ['true-false', 'choice', 'fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric'];
const INTERACTION_TYPES_2004 = [...INTERACTION_TYPES_12, 'long-fill-in', 'other'];
const RESULT_12: ElementRule = {
  check: (v) => v === '' || ['correct', 'wrong', 'unanticipated', 'neutral'].includes(v) || DECIMAL.test(v),
  expects: 'correct, wrong, unanticipated, neutral or a number',
};
const RESULT_2004: ElementRule = {
  check: (v) => v === '' || ['correct', 'incorrect', 'unanticipated', 'neutral'].includes(v) || DECIMAL.test(v),
  expects: 'correct, incorrect, unanticipated, neutral or a number',
};

export interface DataModel {
  writable: Record<string, ElementRule>;
  lmsOwned: Set<string>;
  /** Largest array index + 1 allowed per array path (the standards' smallest permitted maximums, generously rounded). */
  arrayLimits: Record<string, number>;
}

export const SCORM12: DataModel = {
  writable: {
    'cmi.core.lesson_location': maxLen(255),
    'cmi.core.lesson_status': vocab(...STATUS_12),
    'cmi.core.score.raw': decimal(0, 100),
    'cmi.core.score.min': decimal(0, 100),
    'cmi.core.score.max': decimal(0, 100),
    'cmi.core.exit': vocab('', 'time-out', 'suspend', 'logout'),
    'cmi.core.session_time': blankOr(isTimespan12, 'a timespan HHHH:MM:SS'),
    'cmi.suspend_data': maxLen(4096),
    'cmi.comments': maxLen(4096),
    'cmi.objectives.n.id': identifier12,
    'cmi.objectives.n.score.raw': decimal(0, 100),
    'cmi.objectives.n.score.min': decimal(0, 100),
    'cmi.objectives.n.score.max': decimal(0, 100),
    'cmi.objectives.n.status': vocab('', ...STATUS_12),
    'cmi.student_preference.audio': integer(-1, 100),
    'cmi.student_preference.language': maxLen(255),
    'cmi.student_preference.speed': integer(-100, 100),
    'cmi.student_preference.text': integer(-1, 1),
    'cmi.interactions.n.id': identifier12,
    'cmi.interactions.n.objectives.n.id': identifier12,
    'cmi.interactions.n.time': blankOr(isTime12, 'a time HH:MM:SS'),
    'cmi.interactions.n.type': vocab('', ...INTERACTION_TYPES_12),
    'cmi.interactions.n.correct_responses.n.pattern': maxLen(255),
    'cmi.interactions.n.weighting': decimal(null, null),
    'cmi.interactions.n.student_response': maxLen(255),
    'cmi.interactions.n.result': RESULT_12,
    'cmi.interactions.n.latency': blankOr(isTimespan12, 'a timespan HHHH:MM:SS'),
  },
  lmsOwned: new Set([
    'cmi.core.student_id',
    'cmi.core.student_name',
    'cmi.core.credit',
    'cmi.core.entry',
    'cmi.core.lesson_mode',
    'cmi.core.total_time',
    'cmi.launch_data',
    'cmi.comments_from_lms',
    'cmi.student_data.mastery_score',
    'cmi.student_data.max_time_allowed',
    'cmi.student_data.time_limit_action',
  ]),
  arrayLimits: {
    'cmi.objectives': 100,
    'cmi.interactions': 250,
    'cmi.interactions.n.objectives': 50,
    'cmi.interactions.n.correct_responses': 50,
  },
};

const STATUS_COMPLETION = ['completed', 'incomplete', 'not attempted', 'unknown'];
const STATUS_SUCCESS = ['passed', 'failed', 'unknown'];

export const SCORM2004: DataModel = {
  writable: {
    'cmi.completion_status': vocab(...STATUS_COMPLETION),
    'cmi.success_status': vocab(...STATUS_SUCCESS),
    'cmi.exit': vocab('', 'time-out', 'suspend', 'logout', 'normal'),
    'cmi.location': maxLen(1000),
    'cmi.progress_measure': decimal(0, 1),
    'cmi.score.scaled': decimal(-1, 1),
    'cmi.score.raw': decimal(null, null),
    'cmi.score.min': decimal(null, null),
    'cmi.score.max': decimal(null, null),
    'cmi.session_time': blankOr(isDuration2004, 'an ISO 8601 duration'),
    'cmi.suspend_data': maxLen(64000),
    'cmi.learner_preference.audio_level': decimal(0, null),
    'cmi.learner_preference.language': maxLen(250),
    'cmi.learner_preference.delivery_speed': decimal(0, null),
    'cmi.learner_preference.audio_captioning': vocab('', '-1', '0', '1'),
    'cmi.comments_from_learner.n.comment': maxLen(4000),
    'cmi.comments_from_learner.n.location': maxLen(250),
    'cmi.comments_from_learner.n.timestamp': blankOr(isTimestamp2004, 'an ISO 8601 time'),
    'cmi.objectives.n.id': longIdentifier,
    'cmi.objectives.n.score.scaled': decimal(-1, 1),
    'cmi.objectives.n.score.raw': decimal(null, null),
    'cmi.objectives.n.score.min': decimal(null, null),
    'cmi.objectives.n.score.max': decimal(null, null),
    'cmi.objectives.n.success_status': vocab('', ...STATUS_SUCCESS),
    'cmi.objectives.n.completion_status': vocab('', ...STATUS_COMPLETION),
    'cmi.objectives.n.progress_measure': decimal(0, 1),
    'cmi.objectives.n.description': maxLen(250),
    'cmi.interactions.n.id': longIdentifier,
    'cmi.interactions.n.type': vocab('', ...INTERACTION_TYPES_2004),
    'cmi.interactions.n.objectives.n.id': longIdentifier,
    'cmi.interactions.n.timestamp': blankOr(isTimestamp2004, 'an ISO 8601 time'),
    'cmi.interactions.n.correct_responses.n.pattern': maxLen(8000),
    'cmi.interactions.n.weighting': decimal(null, null),
    'cmi.interactions.n.learner_response': maxLen(8000),
    'cmi.interactions.n.result': RESULT_2004,
    'cmi.interactions.n.latency': blankOr(isDuration2004, 'an ISO 8601 duration'),
    'cmi.interactions.n.description': maxLen(250),
  },
  lmsOwned: new Set([
    'cmi.learner_id',
    'cmi.learner_name',
    'cmi.credit',
    'cmi.entry',
    'cmi.mode',
    'cmi.total_time',
    'cmi.launch_data',
    'cmi.completion_threshold',
    'cmi.scaled_passing_score',
    'cmi.max_time_allowed',
    'cmi.time_limit_action',
  ]),
  arrayLimits: {
    'cmi.objectives': 100,
    'cmi.interactions': 250,
    'cmi.comments_from_learner': 250,
    'cmi.comments_from_lms': 250,
    'cmi.interactions.n.objectives': 50,
    'cmi.interactions.n.correct_responses': 50,
  },
};

/** `cmi.interactions.3.objectives.0.id` -> `cmi.interactions.n.objectives.n.id`. */
export function genericPath(path: string): string {
  return path.replace(/\.\d+(?=\.|$)/g, '.n');
}
