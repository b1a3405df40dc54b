/**
 * Composing a mail from catalog messages (the building block reminders, invitations and answers
 * use): language, hospital name, absolute link, and refusals that keep a broken mail from going out.
 */
import { composerFor, mailComposer } from '../../server/mail/service';
import { testConfig } from '../support/app';
import { openTestDatabase } from '../support/database';
import { makeHospital, TEST_HOSPITAL } from '../support/mail-factories';

const BASE = 'https://kenshu.minato-hp.example.jp';
const test = { subjectKey: 'mail.test.subject', bodyKey: 'mail.test.body', params: { sender: '担当' } };

describe('the mail composer', () => {
  it('reads the hospital’s name from its profile, and uses the app’s name before there is one', async () => {
    const database = await openTestDatabase();
    try {
      const config = testConfig({ BASE_URL: 'http://kenshu.local:3000' });
      expect((await mailComposer(database.db, config)).hospitalName).toBe('Mamoru 情報セキュリティ研修');
      await makeHospital(database.db);
      const composer = await mailComposer(database.db, config);
      expect(composer.hospitalName).toBe(TEST_HOSPITAL);
      expect(composer.link('/courses')).toBe('http://kenshu.local:3000/courses');
    } finally {
      await database.close();
    }
  });

  it('writes Japanese by default, English for an English recipient, and Japanese for an unknown language', () => {
    const c = composerFor(TEST_HOSPITAL, BASE);
    const ja = c.compose({ ...test, locale: 'ja', recipientName: '山田 花子', linkPath: '/' });
    expect(ja.subject).toBe(`【${TEST_HOSPITAL}】テストメール（情報セキュリティ研修）`);
    expect(ja.text.startsWith('山田 花子 様\n\nこれは')).toBe(true);
    expect(ja.text).toContain(`--\nこのメールは${TEST_HOSPITAL}の情報セキュリティ研修システムから自動で送信しています。`);
    expect(ja.text.endsWith('\n')).toBe(true);
    expect(c.compose({ ...test, locale: 'en', recipientName: 'Maria', linkPath: '/' }).text.startsWith('Dear Maria,\n\nThis is')).toBe(
      true,
    );
    expect(c.compose({ ...test, locale: 'vi', linkPath: '/' }).subject).toBe(ja.subject);
    expect(c.compose({ ...test, locale: null, linkPath: '/' }).text.startsWith('これは')).toBe(true); // no greeting without a name
  });

  it('makes the link absolute on BASE_URL, after the body or where the body says {link}', () => {
    const c = composerFor(TEST_HOSPITAL, `${BASE}/`);
    const after = c.compose({ subjectKey: 'mail.test.subject', bodyKey: 'mail.intro', locale: 'ja', linkPath: '/training/2026?x=1' });
    expect(after.text).toContain(`次のリンクから開いてください。\n${BASE}/training/2026?x=1\n`);
    // A body with {link} places it itself: the link appears once.
    const inline = c.compose({ ...test, locale: 'ja', linkPath: '/x' });
    expect(inline.text).toContain(`システムの入口: ${BASE}/x\n`);
    expect(inline.text).not.toContain('次のリンクから開いてください。');
    expect(inline.text.split(`${BASE}/x`)).toHaveLength(2);
    expect(c.link('/x')).toBe(`${BASE}/x`);
  });

  it('refuses a link off the app, a template that does not exist, and a line break into the subject', () => {
    const c = composerFor(TEST_HOSPITAL, BASE);
    expect(() => c.compose({ ...test, locale: 'ja', linkPath: '//evil.example/phish' })).toThrow(/app path/);
    expect(() => c.compose({ ...test, locale: 'ja', linkPath: 'https://evil.example/' })).toThrow(/app path/);
    expect(() => c.compose({ ...test, subjectKey: 'training.reminder.nope', locale: 'ja' })).toThrow(/not in the catalogs/);
    // A body that shows {link} with no link given would send a sentence that points nowhere.
    expect(() => c.compose({ ...test, locale: 'ja' })).toThrow(/give a linkPath/);
    const s = composerFor('病院\r\nBcc: all@example.jp', BASE).compose({ ...test, locale: 'ja', linkPath: '/' });
    expect(s.subject).toBe('【病院 Bcc: all@example.jp】テストメール（情報セキュリティ研修）');
  });
});
