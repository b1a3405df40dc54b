import { deriveState, satisfies } from '../../server/scorm/runtime/derive';
import { launchCmi } from '../../server/scorm/runtime/launch-data';
import { durationSeconds, formatDuration, isDuration2004 } from '../../server/scorm/runtime/time';
import { validateCommit } from '../../server/scorm/runtime/validate';
import { commit12, commit2004 } from '../support/cmi';

describe('validateCommit, SCORM 1.2', () => {
  it('accepts what scorm-again sends and keeps only writable elements', () => {
    const r = validateCommit(
      '1.2',
      commit12(
        { lesson_status: 'passed', score: { raw: '85', min: '0', max: '100' } },
        {
          interactions: {
            0: {
              id: 'q1',
              time: '10:00:00',
              type: 'choice',
              weighting: '1',
              student_response: 'a',
              result: 'correct',
              latency: '00:00:05',
              objectives: { 0: { id: 'obj1' } },
              correct_responses: { 0: { pattern: 'a' } },
            },
          },
        },
      ),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.values.get('cmi.core.lesson_status')).toBe('passed');
    expect(r.values.get('cmi.interactions.0.result')).toBe('correct');
    expect(r.values.has('cmi.core.student_id')).toBe(false);
    expect(r.values.has('cmi.core.credit')).toBe(false);
  });

  it.each([
    ['out-of-vocabulary status', commit12({ lesson_status: 'done' }), 'cmi.core.lesson_status'],
    ['score above 100', commit12({ score: { raw: '101', min: '', max: '' } }), 'cmi.core.score.raw'],
    ['non-numeric score', commit12({ score: { raw: 'eighty', min: '', max: '' } }), 'cmi.core.score.raw'],
    ['bad session time', commit12({ session_time: 'PT5M' }), 'cmi.core.session_time'],
    ['bad exit', commit12({ exit: 'normal' }), 'cmi.core.exit'],
    ['suspend_data over 4096', commit12({}, { suspend_data: 'x'.repeat(4097) }), 'cmi.suspend_data'],
    ['unknown element', commit12({}, { hacked: 'yes' }), 'cmi.hacked'],
    ['bad interaction result', commit12({}, { interactions: { 0: { id: 'q1', result: 'incorrect' } } }), 'cmi.interactions.0.result'],
    ['identifier with spaces', commit12({}, { interactions: { 0: { id: 'q 1' } } }), 'cmi.interactions.0.id'],
    ['too many interactions', commit12({}, { interactions: { 250: { id: 'q' } } }), 'cmi.interactions.250.id'],
    ['object where a value belongs', commit12({ lesson_location: { evil: 1 } }), 'cmi.core.lesson_location.evil'],
  ])('refuses %s', (_label, payload, element) => {
    const r = validateCommit('1.2', payload);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.element)).toContain(element);
  });

  it('refuses a payload without cmi and absurd nesting', () => {
    expect(validateCommit('1.2', { foo: 1 }).ok).toBe(false);
    let deep: Record<string, unknown> = { v: '1' };
    for (let i = 0; i < 20; i++) deep = { a: deep };
    expect(validateCommit('1.2', { cmi: deep }).ok).toBe(false);
  });
});

describe('validateCommit, SCORM 2004', () => {
  it('accepts a full commit', () => {
    const r = validateCommit(
      '2004',
      commit2004({
        completion_status: 'completed',
        success_status: 'passed',
        score: { scaled: '0.85', raw: '85', min: '0', max: '100' },
        interactions: {
          0: {
            id: 'urn:q:1',
            type: 'choice',
            objectives: {},
            timestamp: '2026-11-24T10:00:00Z',
            weighting: '',
            learner_response: 'a',
            result: 'correct',
            latency: 'PT5S',
            description: '',
            correct_responses: {},
          },
        },
      }),
    );
    expect(r.ok).toBe(true);
  });

  it.each([
    ['completion vocabulary', { completion_status: 'passed' }, 'cmi.completion_status'],
    ['success vocabulary', { success_status: 'completed' }, 'cmi.success_status'],
    ['scaled score range', { score: { scaled: '1.5', raw: '', min: '', max: '' } }, 'cmi.score.scaled'],
    ['duration format', { session_time: '00:05:00' }, 'cmi.session_time'],
    ['suspend_data over 64000', { suspend_data: 'x'.repeat(64001) }, 'cmi.suspend_data'],
    ['location over 1000', { location: 'x'.repeat(1001) }, 'cmi.location'],
    ['progress over 1', { progress_measure: '1.2' }, 'cmi.progress_measure'],
    ['1.2 result word', { interactions: { 0: { id: 'q', result: 'wrong' } } }, 'cmi.interactions.0.result'],
  ])('refuses %s', (_label, fields, element) => {
    const r = validateCommit('2004', commit2004(fields));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]!.element).toBe(element);
  });

  it('accepts 64000 characters of suspend_data', () => {
    expect(validateCommit('2004', commit2004({ suspend_data: 'x'.repeat(64000) })).ok).toBe(true);
  });

  it('counts characters as code points: a character outside the BMP is one, however it is encoded', () => {
    const emoji = '\u{1F3E5}'; // 🏥, two UTF-16 units
    expect(validateCommit('2004', commit2004({ suspend_data: emoji.repeat(64000) })).ok).toBe(true);
    expect(validateCommit('2004', commit2004({ suspend_data: emoji.repeat(64001) })).ok).toBe(false);
    expect(validateCommit('2004', commit2004({ suspend_data: `${'病'.repeat(63999)}${emoji}` })).ok).toBe(true);
    expect(validateCommit('2004', commit2004({ suspend_data: `${'病'.repeat(64000)}${emoji}` })).ok).toBe(false);
    // A lone surrogate (broken content) still counts as one character.
    expect(validateCommit('2004', commit2004({ suspend_data: `${'x'.repeat(63999)}\ud83c` })).ok).toBe(true);
  });

  it('gives the same verdict for an element path every time (paths are judged once and remembered)', () => {
    const bad = commit2004({ interactions: { 300: { id: 'q', type: 'choice' } } });
    for (let i = 0; i < 3; i++) {
      const r = validateCommit('2004', bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems[0]!.expects).toMatch(/at most 250 entries/);
    }
    const unknown = { cmi: { not_an_element: 'x' } };
    for (let i = 0; i < 2; i++)
      expect(validateCommit('2004', unknown)).toMatchObject({ ok: false, problems: [{ element: 'cmi.not_an_element' }] });
  });
});

describe('deriveState', () => {
  const none = { masteryScore: null, completionThreshold: null, scaledPassingScore: null };
  it('maps SCORM 1.2 lesson_status', () => {
    expect(deriveState('1.2', { 'cmi.core.lesson_status': 'passed' }, none, true)).toMatchObject({
      completion: 'completed',
      success: 'passed',
    });
    expect(deriveState('1.2', { 'cmi.core.lesson_status': 'failed' }, none, true)).toMatchObject({
      completion: 'completed',
      success: 'failed',
    });
    expect(deriveState('1.2', { 'cmi.core.lesson_status': 'incomplete' }, none, true)).toMatchObject({
      completion: 'incomplete',
      success: 'unknown',
    });
  });

  it('lets the 1.2 mastery score decide pass/fail for credit only', () => {
    const s = { ...none, masteryScore: 80 };
    const cmi = { 'cmi.core.lesson_status': 'passed', 'cmi.core.score.raw': '70' };
    expect(deriveState('1.2', cmi, s, true).success).toBe('failed');
    expect(deriveState('1.2', cmi, s, false).success).toBe('passed');
    expect(deriveState('1.2', { 'cmi.core.lesson_status': 'incomplete', 'cmi.core.score.raw': '90' }, s, true)).toMatchObject({
      completion: 'completed',
      success: 'passed',
    });
  });

  it('gives a 1.2 SCO that finished without setting lesson_status the status the LMS sets: completed, or passed/failed by its mastery score', () => {
    const unset = { 'cmi.core.lesson_status': 'not attempted' };
    expect(deriveState('1.2', unset, none, true)).toMatchObject({ completion: 'not attempted', success: 'unknown' });
    expect(deriveState('1.2', unset, none, true, true)).toMatchObject({ completion: 'completed', success: 'unknown' });
    expect(deriveState('1.2', {}, none, true, true)).toMatchObject({ completion: 'completed', success: 'unknown' });
    const mastery = { ...none, masteryScore: 80 };
    expect(deriveState('1.2', unset, mastery, true, true)).toMatchObject({ completion: 'completed', success: 'unknown' });
    expect(deriveState('1.2', { ...unset, 'cmi.core.score.raw': '60' }, mastery, true, true)).toMatchObject({
      completion: 'completed',
      success: 'failed',
    });
    expect(deriveState('1.2', { ...unset, 'cmi.core.score.raw': '85' }, mastery, true, true)).toMatchObject({
      completion: 'completed',
      success: 'passed',
    });
    // Only a status never set: one the SCO chose stands, and SCORM 2004 has no such rule.
    expect(deriveState('1.2', { 'cmi.core.lesson_status': 'incomplete' }, none, true, true).completion).toBe('incomplete');
    expect(deriveState('2004', { 'cmi.completion_status': 'not attempted' }, none, true, true).completion).toBe('not attempted');
  });

  it('applies 2004 completion threshold and scaled passing score over what the SCO says', () => {
    const s = { ...none, completionThreshold: 0.8, scaledPassingScore: 0.8 };
    const d = deriveState(
      '2004',
      { 'cmi.completion_status': 'completed', 'cmi.progress_measure': '0.5', 'cmi.success_status': 'passed', 'cmi.score.scaled': '0.7' },
      s,
      true,
    );
    expect(d).toMatchObject({ completion: 'incomplete', success: 'failed' });
    expect(deriveState('2004', { 'cmi.progress_measure': '0.9', 'cmi.score.scaled': '0.85' }, s, true)).toMatchObject({
      completion: 'completed',
      success: 'passed',
    });
  });

  it('checks the completion rule', () => {
    expect(satisfies('completed', { completion: 'completed', success: 'failed' })).toBe(false); // a failed test is never completion
    expect(satisfies('completed', { completion: 'completed', success: 'unknown' })).toBe(true);
    expect(satisfies('passed', { completion: 'completed', success: 'failed' })).toBe(false);
    expect(satisfies('completed_and_passed', { completion: 'incomplete', success: 'passed' })).toBe(false);
    expect(satisfies('completed_and_passed', { completion: 'completed', success: 'passed' })).toBe(true);
  });
});

describe('time formats', () => {
  it('reads both standards', () => {
    expect(durationSeconds('0001:02:03.5')).toBe(3723.5);
    expect(durationSeconds('PT1H2M3.5S')).toBe(3723.5);
    expect(durationSeconds('P1DT1S')).toBe(86401);
    expect(isDuration2004('PT')).toBe(false);
    expect(isDuration2004('P')).toBe(false);
    expect(durationSeconds('nonsense')).toBeNull();
  });
  it('writes both standards', () => {
    expect(formatDuration(3723.5, '1.2')).toBe('0001:02:03.50');
    expect(formatDuration(3723.5, '2004')).toBe('PT1H2M3.5S');
    expect(formatDuration(0, '2004')).toBe('PT0S');
  });
});

describe('launchCmi', () => {
  const sco = {
    masteryScore: 80,
    completionThreshold: null,
    scaledPassingScore: null,
    maxTimeAllowed: null,
    timeLimitAction: null,
    dataFromLms: null,
  };
  const base = { learnerId: 'E1', learnerName: '山田', priorSeconds: 90, firstLaunch: false, review: false, language: 'en', sco };

  it('gives the content the learner id, resume entry after suspend, the earlier time and the UI language', () => {
    const cmi = launchCmi({ ...base, standard: '1.2', stored: { 'cmi.core.exit': 'suspend', 'cmi.core.lesson_location': 'p3' } }) as Record<
      string,
      Record<string, string>
    >;
    expect(cmi.core).toMatchObject({ student_id: 'E1', entry: 'resume', lesson_location: 'p3', total_time: '0000:01:30', exit: '' });
    expect(cmi.student_preference!.language).toBe('en');
    expect(cmi.student_data!.mastery_score).toBe('80');
  });

  it("opens in the app's current language even when the learner chose another inside the content last time, and starts ab-initio the first time", () => {
    const cmi = launchCmi({ ...base, standard: '2004', firstLaunch: true, stored: { 'cmi.learner_preference.language': 'ja' } }) as Record<
      string,
      unknown
    >;
    expect(cmi).toMatchObject({ learner_id: 'E1', entry: 'ab-initio', total_time: 'PT1M30S' });
    expect((cmi.learner_preference as Record<string, string>).language).toBe('en');
    const cmi12 = launchCmi({ ...base, standard: '1.2', stored: { 'cmi.student_preference.language': 'ja' } }) as Record<
      string,
      Record<string, string>
    >;
    expect(cmi12.student_preference!.language).toBe('en');
  });
});
