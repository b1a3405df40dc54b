import { translator } from '../../server/lib/i18n';
import { attemptStatus, courseResultStatus, scoStatus, statusLabelKey } from '../../server/scorm/tracking/status';

describe('the status a learner sees', () => {
  it('of an attempt: completed once satisfied, in progress once the content reported anything', () => {
    expect(attemptStatus({ satisfied: false, completion: 'not attempted' })).toBe('not_started');
    expect(attemptStatus({ satisfied: false, completion: 'incomplete' })).toBe('in_progress');
    expect(attemptStatus({ satisfied: false, completion: 'completed' })).toBe('in_progress'); // completed but not passed: the rule is not met
    expect(attemptStatus({ satisfied: true, completion: 'not attempted' })).toBe('completed'); // marked complete by an officer
  });

  it('of a yearly result: in progress as soon as there is one', () => {
    expect(courseResultStatus(undefined)).toBe('not_started');
    expect(courseResultStatus({ status: 'in_progress' })).toBe('in_progress');
    expect(courseResultStatus({ status: 'completed' })).toBe('completed');
  });

  it('of a SCO: in progress once opened, completed when the content says so', () => {
    expect(scoStatus(undefined)).toBe('not_started');
    expect(scoStatus({ completion: 'not attempted' })).toBe('in_progress');
    expect(scoStatus({ completion: 'completed' })).toBe('completed');
  });

  it('has a label in both languages for every status', () => {
    for (const locale of ['ja', 'en'] as const) {
      const t = translator(locale);
      const labels = (['completed', 'in_progress', 'not_started'] as const).map((s) => t(statusLabelKey(s)));
      expect(new Set(labels).size).toBe(3);
      for (const label of labels) expect(label).not.toMatch(/^scorm\.status\./);
    }
  });
});
