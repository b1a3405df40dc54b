/**
 * Commit payloads in the shape scorm-again 3.4 renders them (captured from its renderCommitCMI):
 * every element of the data model, LMS-owned ones included, arrays as index-keyed objects.
 */
export const commit12 = (core: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
  cmi: {
    suspend_data: 'page=3',
    launch_data: '',
    comments: '',
    comments_from_lms: '',
    core: {
      student_id: 'E1',
      student_name: 'Yamada',
      lesson_location: 'p3',
      credit: 'credit',
      lesson_status: 'incomplete',
      entry: 'resume',
      lesson_mode: 'normal',
      exit: '',
      session_time: '00:05:00',
      score: { raw: '', min: '', max: '100' },
      total_time: '00:05:00',
      ...core,
    },
    objectives: {},
    student_data: { mastery_score: '', max_time_allowed: '', time_limit_action: '' },
    student_preference: { audio: '', language: '', speed: '', text: '' },
    interactions: {},
    ...rest,
  },
});

export const commit2004 = (fields: Record<string, unknown> = {}) => ({
  cmi: {
    comments_from_learner: {},
    comments_from_lms: {},
    completion_status: 'incomplete',
    completion_threshold: '',
    credit: 'credit',
    entry: 'ab-initio',
    exit: '',
    interactions: {},
    launch_data: '',
    learner_id: 'E1',
    learner_name: 'Yamada',
    learner_preference: { audio_level: '1', language: '', delivery_speed: '1', audio_captioning: '0' },
    location: 'p1',
    max_time_allowed: '',
    mode: 'normal',
    objectives: {},
    progress_measure: '',
    scaled_passing_score: '',
    score: { scaled: '', raw: '', min: '', max: '' },
    session_time: 'PT5M',
    success_status: 'unknown',
    suspend_data: '',
    time_limit_action: 'continue,no message',
    total_time: 'PT5M',
    ...fields,
  },
});
