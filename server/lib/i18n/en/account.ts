import type { ja } from '../ja/account';
import { PASSWORD_MIN_LENGTH } from '../../../auth/passwords';

/** English messages: Login, first setup, password links, the own account. Every Japanese key must be here (the type checks it). */
export const en: Record<keyof typeof ja, string> = {
  'auth.login.title': 'Log in',
  'auth.login.identifier': 'Employee number or email',
  'auth.login.password': 'Password',
  'auth.login.submit': 'Log in',
  'auth.login.invalid': 'The employee number (or email) or the password is not correct.',
  'auth.login.wait': 'After several failed attempts, sign-in is paused for a moment. Try again in {seconds} seconds.',
  'auth.login.tooManyFromHere': 'Too many login attempts from this device. Please wait a while and try again.',
  'auth.login.help': 'No password yet? Ask your system administrator for a password link.',
  'auth.link.invalid': 'This link is not valid: it has expired or has already been used.',
  'auth.setup.title': 'First setup: the first administrator',
  'auth.setup.intro':
    'Welcome to Mamoru. Create the first administrator account; next you enter the hospital profile and import the staff roster.',
  'auth.setup.submit': 'Create administrator and log in',
  'auth.setup.done': 'Administrator created. Please enter the hospital profile.',
  'auth.setup.duplicate': 'This employee number or email is already in use.',
  'auth.setup.howToGetLink':
    'Restart the server to print a new setup link on the console, or create an administrator with "npm run mamoru -- create-admin".',
  'auth.password.new': 'New password',
  'auth.password.confirm': 'New password (again)',
  'auth.password.hint': `At least ${PASSWORD_MIN_LENGTH} characters. Do not reuse a password from another service.`,
  'auth.setPassword.title': 'Set your password',
  'auth.setPassword.intro': 'Set the password for {name} (employee number {employeeNo}).',
  'auth.setPassword.submit': 'Set password',
  'auth.setPassword.done': 'Your password is set. Please log in.',
  'auth.setPassword.askAdmin': 'Ask your system administrator for a new link.',
  'account.title': 'Account',
  'account.password.title': 'Change password',
  'account.password.current': 'Current password',
  'account.password.submit': 'Change password',
  'account.password.changed': 'Your password has been changed.',
  'account.password.currentWrong': 'The current password is not correct.',
  'auth.reauth.required': 'This action needs your own password.',
  'auth.reauth.wrong': 'The password is not correct. Nothing was done.',
  'auth.reauth.wait': 'After several wrong passwords, this is paused for a moment. Try again later.',
};
