/**
 * Rendering a mail from catalog messages: the building block reminders, invitations and answers
 * use. Every mail says who it is for, what it is about, where to go (an absolute link on
 * BASE_URL) and which hospital sends it, in the recipient's language.
 */
import type { Config } from '../config';
import type { Database } from '../db/client';
import { getHospitalProfile } from '../hospital/service';
import { catalogs, isLocale, translator, DEFAULT_LOCALE } from '../lib/i18n';

export interface ComposeInput {
  /** The recipient's language (staff.locale); anything else than a known one means Japanese. */
  locale: string | null | undefined;
  /** Catalog keys (any feature's catalog) of the subject and body. Both may use {hospital}, {name}, {link} and `params`. */
  subjectKey: string;
  bodyKey: string;
  params?: Record<string, string | number>;
  /** Opens the mail with 「{name} 様」 / "Dear {name},". */
  recipientName?: string | null;
  /**
   * A path in the app ('/training/2026'), made absolute on BASE_URL. Shown where the body says
   * {link}, otherwise after the body under 「次のリンクから開いてください。」.
   */
  linkPath?: string;
}

export interface ComposedMail {
  subject: string;
  text: string;
}

export interface MailComposer {
  /** The hospital's name as mail shows it (the profile's, or the app's name before there is one). */
  readonly hospitalName: string;
  compose(input: ComposeInput): ComposedMail;
  /** The absolute link for an app path. */
  link(path: string): string;
}

/** A mail line must not carry a line break into a header, or a tab into a subject. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim();

/**
 * A composer for a known hospital name and base URL: pure, so a reminder run renders ten
 * thousand mails without a query each.
 */
export function composerFor(hospitalName: string | undefined, baseUrl: string): MailComposer {
  const base = baseUrl.replace(/\/$/, '');
  const link = (path: string) => {
    if (!path.startsWith('/') || path.startsWith('//')) throw new Error(`mail link must be an app path starting with one "/": ${path}`);
    return `${base}${path}`;
  };
  const nameFor = (locale: string) => hospitalName || translator(isLocale(locale) ? locale : DEFAULT_LOCALE)('app.name');
  return {
    hospitalName: nameFor(DEFAULT_LOCALE),
    link,
    compose(input) {
      const locale = isLocale(input.locale) ? input.locale : DEFAULT_LOCALE;
      const t = translator(locale);
      for (const key of [input.subjectKey, input.bodyKey]) {
        // A missing key would send the key itself to a person: fail in the caller's test instead.
        if (!(key in catalogs[DEFAULT_LOCALE])) throw new Error(`mail template "${key}" is not in the catalogs`);
      }
      const hospital = nameFor(locale);
      const href = input.linkPath === undefined ? undefined : link(input.linkPath);
      const params = { ...input.params, hospital, name: input.recipientName ?? '', link: href ?? '' };
      const bodyTemplate = (catalogs[locale] as Record<string, string>)[input.bodyKey] ?? '';
      if (!href && bodyTemplate.includes('{link}')) throw new Error(`mail template "${input.bodyKey}" shows {link}: give a linkPath`);
      const parts: string[] = [];
      if (input.recipientName) parts.push(t('mail.greeting', { name: input.recipientName }), '');
      parts.push(t(input.bodyKey, params).trimEnd());
      if (href && !bodyTemplate.includes('{link}')) parts.push('', t('mail.link.intro'), href);
      parts.push('', '--', t('mail.footer', { hospital }));
      return { subject: oneLine(t(input.subjectKey, params)), text: `${parts.join('\n')}\n` };
    },
  };
}

/** A composer with the hospital's name read from its profile now. */
export async function mailComposer(db: Database, config: Pick<Config, 'baseUrl'>): Promise<MailComposer> {
  const profile = await getHospitalProfile(db);
  return composerFor(profile?.name, config.baseUrl);
}
