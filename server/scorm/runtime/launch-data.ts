import { formatDuration } from './time';
import type { RuntimeStandard } from './validate';

/** `{'cmi.core.lesson_location': 'p3'}` -> `{core: {lesson_location: 'p3'}}` (arrays as index-keyed objects, as scorm-again loads them). */
export function nestCmi(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.').slice(1); // drop "cmi"
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      node = (node[key] ??= {}) as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

export interface LaunchContext {
  standard: RuntimeStandard;
  learnerId: string;
  learnerName: string;
  /** The CMI stored so far (writable elements only). */
  stored: Record<string, string>;
  /** Seconds of earlier sessions: the SCO reads them as total_time. */
  priorSeconds: number;
  firstLaunch: boolean;
  review: boolean;
  /**
   * The language the learner uses the app in now: content that supports it opens in it, a resumed
   * attempt too (a language chosen inside the content last time gives way to the app's current one).
   */
  language: string;
  sco: {
    masteryScore: number | null;
    completionThreshold: number | null;
    scaledPassingScore: number | null;
    maxTimeAllowed: string | null;
    timeLimitAction: string | null;
    dataFromLms: string | null;
  };
}

/**
 * What `loadFromJSON` gets before the SCO starts: the stored CMI plus the elements the LMS
 * owns. `entry` is resume only when the last session ended in suspend.
 */
export function launchCmi(c: LaunchContext): Record<string, unknown> {
  const cmi = nestCmi(c.stored);
  const suspended = c.standard === '1.2' ? c.stored['cmi.core.exit'] === 'suspend' : c.stored['cmi.exit'] === 'suspend';
  const entry = c.firstLaunch ? 'ab-initio' : suspended ? 'resume' : '';
  const credit = c.review ? 'no-credit' : 'credit';
  const mode = c.review ? 'review' : 'normal';
  const opt = (v: string | number | null) => (v === null ? '' : String(v));
  if (c.standard === '1.2') {
    const core = (cmi.core ??= {}) as Record<string, unknown>;
    Object.assign(core, {
      student_id: c.learnerId,
      student_name: c.learnerName,
      credit,
      entry,
      lesson_mode: c.review ? 'review' : 'normal',
      total_time: formatDuration(c.priorSeconds, '1.2'),
      exit: '',
      session_time: '00:00:00',
    });
    const preference = (cmi.student_preference ??= {}) as Record<string, unknown>;
    preference.language = c.language;
    cmi.launch_data = opt(c.sco.dataFromLms);
    cmi.student_data = {
      mastery_score: opt(c.sco.masteryScore),
      max_time_allowed: opt(c.sco.maxTimeAllowed),
      time_limit_action: opt(c.sco.timeLimitAction),
    };
    return cmi;
  }
  const preference = (cmi.learner_preference ??= {}) as Record<string, unknown>;
  preference.language = c.language;
  return Object.assign(cmi, {
    learner_id: c.learnerId,
    learner_name: c.learnerName,
    credit,
    entry,
    mode,
    total_time: formatDuration(c.priorSeconds, '2004'),
    exit: '',
    session_time: 'PT0S',
    launch_data: opt(c.sco.dataFromLms),
    completion_threshold: opt(c.sco.completionThreshold),
    scaled_passing_score: opt(c.sco.scaledPassingScore),
    max_time_allowed: opt(c.sco.maxTimeAllowed),
    time_limit_action: c.sco.timeLimitAction ?? 'continue,no message',
  });
}
