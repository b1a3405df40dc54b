import { en as common } from './en/common';
import { en as account } from './en/account';
import { en as roster } from './en/roster';
import { en as courses } from './en/courses';
import { en as training } from './en/training';
import { en as mail } from './en/mail';
import { en as questions } from './en/questions';
import { en as activation } from './en/activation';
import type { ja } from './ja';

/** English: each area is typed against its Japanese file, so a missing key does not compile. */
export const en: Record<keyof typeof ja, string> = {
  ...common,
  ...account,
  ...roster,
  ...courses,
  ...training,
  ...mail,
  ...questions,
  ...activation,
};
