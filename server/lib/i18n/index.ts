import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import { LOCALES, type Locale } from '../../db/schema';
import { en } from './en';
import { ja } from './ja';

export type MessageKey = keyof typeof ja;
export type Translate = (key: string, params?: Record<string, string | number>) => string;

export const catalogs: Record<Locale, Record<MessageKey, string>> = { ja, en };
export const DEFAULT_LOCALE: Locale = 'ja';

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale] as Record<string, string>;
  const fallback = catalogs[DEFAULT_LOCALE] as Record<string, string>;
  return (key, params) => {
    const template = catalog[key] ?? fallback[key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (params[name] === undefined ? m : String(params[name])));
  };
}

/** The signed-in user's choice, then the language cookie, then Japanese. */
export function localeOf(req: Request): Locale {
  const userLocale = req.user?.locale;
  if (isLocale(userLocale)) return userLocale;
  const cookie =
    (req.cookies as Record<string, string> | undefined)?.lang ?? (req.headers.cookie ? parseCookies(req.headers.cookie).lang : undefined);
  return isLocale(cookie) ? cookie : DEFAULT_LOCALE;
}
