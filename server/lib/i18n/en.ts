import { en as common } from './en/common';
import { en as account } from './en/account';
import { en as roster } from './en/roster';
import { en as courses } from './en/courses';
import type { ja } from './ja';

/** English: each area is typed against its Japanese file, so a missing key does not compile. */
export const en: Record<keyof typeof ja, string> = { ...common, ...account, ...roster, ...courses };
