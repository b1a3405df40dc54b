import { localDateTime } from '../lib/dates';
import { isLocale, translator, type Translate } from '../lib/i18n';
import { jobCategoryLabel } from '../staff/presenter';
import { formatCode } from './codes';
import { qrSvg } from './qr';
import type { activationCounts, activationRoster } from './repository';
import type { IssueResult } from './service';

type RosterRow = Awaited<ReturnType<typeof activationRoster>>[number];
type Counts = Awaited<ReturnType<typeof activationCounts>>;

export type ActivationState = 'activated' | 'passwordOnly' | 'invited' | 'expired' | 'none';

/** A person's state: a password is activation; without one, whether a live invitation is out. */
export function activationState(r: Pick<RosterRow, 'hasPassword' | 'lastLoginAt' | 'expiresAt' | 'revokedAt'>, now: Date): ActivationState {
  if (r.hasPassword) return r.lastLoginAt ? 'activated' : 'passwordOnly';
  if (!r.expiresAt) return 'none';
  return !r.revokedAt && r.expiresAt > now ? 'invited' : 'expired';
}

export function presentRosterRow(r: RosterRow, t: Translate, locale: string, now: Date) {
  const state = activationState(r, now);
  const until = localDateTime(r.expiresAt);
  const label =
    state === 'activated'
      ? t('activation.state.activated')
      : state === 'passwordOnly'
        ? t('activation.state.passwordOnly')
        : state === 'invited'
          ? r.channel === 'mail'
            ? t('activation.state.invitedMail', { until })
            : t('activation.state.invitedSlip', { until })
          : state === 'expired'
            ? t('activation.state.expired', { until })
            : t('activation.state.none');
  return {
    employeeNo: r.employeeNo,
    name: r.name,
    href: `/staff/${r.id}`,
    department: r.departmentName ?? t('staff.unassigned'),
    jobCategory: jobCategoryLabel(r.jobCategoryName, r.jobCategoryNameEn, locale) || t('staff.unassigned'),
    email: r.hasEmail ? t('activation.email.yes') : t('activation.email.no'),
    state,
    stateLabel: label,
    opened: r.openedAt && !r.hasPassword ? t('activation.state.opened', { at: localDateTime(r.openedAt) }) : '',
    lastLogin: r.lastLoginAt ? localDateTime(r.lastLoginAt) : '—',
  };
}

export function presentCounts(c: Counts, t: Translate) {
  const pending = c.total - c.activated;
  return {
    ...c,
    pending,
    notInvited: pending - c.invited,
    pendingWithoutEmail: pending - c.pendingWithEmail,
    lines: [
      { label: t('activation.count.total'), n: c.total },
      { label: t('activation.count.activated'), n: c.activated },
      { label: t('activation.count.signedIn'), n: c.signedIn },
      { label: t('activation.count.pending'), n: pending },
      { label: t('activation.count.invited'), n: c.invited },
      { label: t('activation.count.notInvited'), n: pending - c.invited },
    ],
  };
}

/** Slips per A4 sheet: two columns of four, each about 97 × 70 mm (views/activation/slips.css). */
export const SLIPS_PER_SHEET = 8;

/** The type size a name fits its slip in: about a dozen full-width characters a line at the largest. */
function nameSize(name: string): 'l' | 'm' | 's' {
  // A half-width character takes about half the room of a full-width one.
  const width = [...name].reduce((w, c) => w + (c.codePointAt(0)! <= 0xff ? 0.55 : 1), 0);
  return width <= 11 ? 'l' : width <= 22 ? 'm' : 's';
}

/**
 * The print page: each slip in its holder's own language (the page around them in the issuer's),
 * with the short address, its QR code and the code to type.
 */
export async function presentSlips(result: IssueResult, baseUrl: string, t: Translate) {
  const slips = await Promise.all(
    result.slips.map(async (s) => {
      const st = translator(isLocale(s.locale) ? s.locale : 'ja');
      const url = `${baseUrl}/a/${s.code}`;
      return {
        lang: isLocale(s.locale) ? s.locale : 'ja',
        title: st('activation.slip.title'),
        hospital: result.hospitalName || st('app.name'),
        name: st('activation.slip.name', { name: s.name }),
        nameSize: nameSize(s.name),
        employeeNoLabel: st('activation.slip.employeeNo'),
        employeeNo: s.employeeNo,
        departmentLabel: st('activation.slip.department'),
        department: s.department ?? st('staff.unassigned'),
        howTo: st('activation.slip.howTo'),
        url,
        codeLabel: st('activation.slip.code'),
        code: formatCode(s.code),
        typeAt: st('activation.slip.typeAt', { url: `${baseUrl}/a` }),
        expires: st('activation.slip.expires', { at: localDateTime(s.expiresAt) }),
        loginId: st('activation.slip.loginId'),
        keep: st('activation.slip.keep'),
        qrLabel: st('activation.slip.qrLabel'),
        qr: await qrSvg(url),
      };
    }),
  );
  const sheets: (typeof slips)[] = [];
  for (let i = 0; i < slips.length; i += SLIPS_PER_SHEET) sheets.push(slips.slice(i, i + SLIPS_PER_SHEET));
  return {
    summary: t('activation.issued', { mailed: result.mailed, slips: result.slips.length }),
    department: result.department ?? t('activation.allDepartments'),
    sheets,
    count: slips.length,
  };
}
