import crypto from 'node:crypto';
import type { ParseArgsConfig } from 'node:util';
import { NewPasswordField, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords';
import { createAdmin, issueSetupLinkIfNeeded } from '../auth/service';
import { verifyWholeChain } from '../compliance/audit/service';
import type { Config } from '../config';
import type { DatabaseHandle } from '../db/client';
import type { Logger } from '../lib/log';
import { importStaffCommand } from './import-staff';
import { demoCommand } from './demo';
import { importPackageCommand } from './import-package';
import { describeOutcome, installBuiltinCourses } from '../scorm/courses/builtin';

export interface CommandContext {
  config: Config;
  database: DatabaseHandle;
  /** Diagnostics; what the operator is told goes to stdout / stderr as plain lines. */
  log: Logger;
  options: Record<string, string | boolean | undefined>;
  args: string[];
}

export interface Command {
  summary: string;
  usage?: string;
  options?: ParseArgsConfig['options'];
  run(ctx: CommandContext): Promise<number>;
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export const commands: Record<string, Command> = {
  'db:migrate': {
    summary: 'Apply database migrations (also done at every start).',
    run: async () => {
      // openRuntime has already migrated; say so plainly.
      console.log('Database is migrated to the latest schema.');
      return 0;
    },
  },

  'create-admin': {
    summary: 'Create an administrator (or make an existing staff member one) and set the password.',
    usage: '--employee-no A0001 --name "氏名" [--email a@b.jp] [--password …]  (a password is generated when omitted)',
    options: { 'employee-no': { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
    run: async ({ database, options }) => {
      const employeeNo = str(options['employee-no']);
      const name = str(options.name) ?? employeeNo;
      if (!employeeNo || !/^[0-9A-Za-z_-]{1,32}$/.test(employeeNo)) {
        console.error('--employee-no is required (letters, digits, - and _; up to 32).');
        return 1;
      }
      const given = str(options.password);
      // The same rule as the password forms.
      if (given && !NewPasswordField.safeParse(given).success) {
        console.error(`--password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
        return 1;
      }
      const password = given ?? crypto.randomBytes(12).toString('base64url');
      const result = await createAdmin(database.db, { employeeNo, name: name!, email: str(options.email), password }, new Date());
      console.log(`${result.created ? 'Created' : 'Updated'} administrator ${employeeNo} (id ${result.id}).`);
      if (!given) console.log(`Password: ${password}\n(Shown once. Change it after logging in: Account > Change password.)`);
      return 0;
    },
  },

  'setup-link': {
    summary: 'Print a new one-time link for creating the first administrator (only while there is none).',
    run: async ({ database, config }) => {
      const token = await issueSetupLinkIfNeeded(database.db, new Date());
      if (!token) {
        console.error('An administrator already exists; use create-admin instead.');
        return 1;
      }
      console.log(`${config.baseUrl}/setup/${token}`);
      return 0;
    },
  },

  'verify-audit': {
    summary: 'Recompute the audit log hash chain and report whether it is intact.',
    run: async ({ database }) => {
      const v = await verifyWholeChain(database.db, new Date());
      if (v.ok) {
        console.log(`Audit chain intact: ${v.entries} entries, head ${v.headHash}`);
        return 0;
      }
      console.error(`Audit chain BROKEN at entry ${v.brokenAtSeq} (${v.reason}); ${v.entries} entries verified before it.`);
      return 2;
    },
  },

  'import-staff': importStaffCommand,
  'import-package': importPackageCommand,
  'install-courses': {
    summary: 'Build the built-in courses (courses/<slug>/) and import new or changed ones (also done at every start).',
    run: async ({ database }) => {
      const outcomes = await installBuiltinCourses(database.db, new Date());
      if (outcomes.length === 0) console.log('No built-in course sources found.');
      for (const o of outcomes) (o.status === 'failed' ? console.error : console.log)(describeOutcome(o));
      return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
    },
  },
  demo: demoCommand,
};
