import { ja as common } from './ja/common';
import { ja as account } from './ja/account';
import { ja as roster } from './ja/roster';
import { ja as courses } from './ja/courses';
import { ja as training } from './ja/training';
import { ja as mail } from './ja/mail';
import { ja as questions } from './ja/questions';
import { ja as activation } from './ja/activation';

/** Japanese, the default catalog: flat keys, one file per feature area in ./ja/. */
export const ja = { ...common, ...account, ...roster, ...courses, ...training, ...mail, ...questions, ...activation };
