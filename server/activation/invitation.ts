// The invitation e-mail, in the language the person reads the app in.
import { localDateTime } from '../lib/dates';
import { isLocale, translator } from '../lib/i18n';

export interface InvitationFacts {
  locale: string;
  name: string;
  employeeNo: string;
  hospitalName: string;
  link: string;
  expiresAt: Date;
}

export function invitationMail(f: InvitationFacts): { subject: string; text: string } {
  const t = translator(isLocale(f.locale) ? f.locale : 'ja');
  const hospital = f.hospitalName || t('app.name');
  const params = { name: f.name, employeeNo: f.employeeNo, hospital, link: f.link, expiresAt: localDateTime(f.expiresAt) };
  return { subject: t('activation.mail.subject', params), text: t('activation.mail.body', params) };
}
