import { ja as common } from './ja/common';
import { ja as account } from './ja/account';
import { ja as roster } from './ja/roster';
import { ja as courses } from './ja/courses';

/** Japanese, the default catalog: flat keys, one file per feature area in ./ja/. */
export const ja = { ...common, ...account, ...roster, ...courses };
