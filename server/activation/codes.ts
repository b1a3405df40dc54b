// Activation codes printed on slips: short enough to type from paper, strong enough to stand alone.
import crypto from 'node:crypto';

/**
 * Crockford's base32: digits and capitals without I, L, O and U, so nothing printed can be misread
 * as something else (a typed O is read as 0, I and L as 1).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 10;

/**
 * 10 symbols of 32 = 50 random bits. With 10,000 codes live at once, a guess hits one with odds of
 * 1 in 10^11; the redeeming routes allow 20 failed tries per client address per 15 minutes, so
 * finding one takes about 10^8 address-days. A code only ever sets a FIRST password (see
 * service.ts), expires, and is replaced by a newer one, so a slip found later is worth nothing.
 */
export function newActivationCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return code;
}

/** A code as a person may type it (lower case, full-width, hyphens, spaces, O for 0), or undefined if it cannot be one. */
export function normaliseCode(input: string): string | undefined {
  const folded = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-‐‑–—ー_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (folded.length !== CODE_LENGTH) return undefined;
  for (const c of folded) if (!ALPHABET.includes(c)) return undefined;
  return folded;
}

/** As printed: two groups of five, easier to read out and to type. */
export function formatCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * What is stored: an HMAC with the session secret, never the code. 50 bits would fall to an
 * offline search of a plain hash; without the secret a stolen database gives nothing back.
 */
export function hashCode(secret: string, code: string): string {
  return crypto.createHmac('sha256', secret).update(`activation:${code}`).digest('hex');
}
