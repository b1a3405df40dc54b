import type { ja } from '../ja/activation';

/** en messages: the activation feature (issue 13). Every Japanese key must be here (the type checks it). */
export const en: Record<keyof typeof ja, string> = {
  'activation.title': 'Account activation',
  'activation.intro':
    'An account becomes active when its holder sets a first password. Staff with an e-mail address get an invitation by mail; the others get a printed slip with a QR code.',
  'activation.allDepartments': 'All departments',
  'activation.filter.status': 'Status',
  'activation.filter.all': 'All',
  'activation.filter.pending': 'Not activated',
  'activation.filter.activated': 'Activated',
  'activation.countsFor': 'Status of {department}',
  'activation.count.total': 'Employed',
  'activation.count.activated': 'Activated',
  'activation.count.signedIn': 'Have signed in',
  'activation.count.pending': 'Not activated',
  'activation.count.invited': 'of whom invited',
  'activation.count.notInvited': 'of whom not invited',
  'activation.issue.title': 'Issue invitations',
  'activation.issue.allDone': 'Everyone employed in this selection has activated their account.',
  'activation.issue.explain':
    'Of the {pending} staff not activated, the {withEmail} with an e-mail address get an invitation by mail, and a slip is printed for the {withoutEmail} without one.',
  'activation.issue.include': 'Who',
  'activation.issue.include.notInvited': 'Only staff not invited yet ({n}). Slips and mails already handed out keep working.',
  'activation.issue.include.all': 'Everyone not activated ({n}). Earlier slips and mailed links stop working.',
  'activation.issue.delivery': 'How',
  'activation.issue.delivery.auto': 'By mail where there is an address, a slip for the others',
  'activation.issue.delivery.slips': 'A slip for everyone (no mail)',
  'activation.issue.validDays': 'Valid for (days)',
  'activation.issue.validDays.hint':
    'How long the mailed links and the slips\u2019 codes work (1 to {max} days). Match it to the roll-out.',
  'activation.issue.reauthHint': 'The selection includes officer or administrator accounts ({n}): your own password is needed.',
  'activation.issue.slipsOnce': 'The slips\u2019 codes are shown only on the page the issue opens. Print them right away.',
  'activation.issue.submit': 'Issue invitations',
  'activation.issue.busy': 'Issuing…',
  'activation.issue.nothing': 'There was nobody to invite.',
  'activation.issue.tooMany': 'At most 5,000 people can be invited at once. Choose a department.',
  'activation.issued': 'Invitations issued: {mailed} by mail, {slips} slips.',
  'activation.list.title': 'Staff',
  'activation.list.caption': 'Staff of {department} and the state of their accounts',
  'activation.list.email': 'E-mail',
  'activation.list.state': 'Account',
  'activation.list.lastLogin': 'Last sign-in',
  'activation.list.truncated': 'Showing the first {shown}. Choose a department to narrow the list.',
  'activation.email.yes': 'Yes',
  'activation.email.no': 'No',
  'activation.state.activated': 'Activated',
  'activation.state.passwordOnly': 'Password set (never signed in)',
  'activation.state.invitedMail': 'Invited by mail (until {until})',
  'activation.state.invitedSlip': 'Invited by slip (until {until})',
  'activation.state.expired': 'Invitation expired ({until})',
  'activation.state.none': 'Not invited',
  'activation.state.opened': 'The slip\u2019s code was opened ({at})',
  'activation.slips.title': 'Account activation slips',
  'activation.slips.once':
    'Once this page is closed the slips cannot be shown again (their codes are not stored). If you need them again, issue again for everyone not activated; earlier slips then stop working.',
  'activation.slips.print': 'Print',
  'activation.slips.back': 'Back to account activation',
  'activation.slips.printHint':
    '{count} slips on {sheets} A4 sheets. Print at 100% scale with default or no margins, cut along the dotted lines and hand each slip to its holder.',
  'activation.slips.sheet': 'Slips (one A4 sheet)',
  'activation.slip.title': 'Activate your training account',
  'activation.slip.name': '{name}',
  'activation.slip.employeeNo': 'Employee no.',
  'activation.slip.department': 'Department',
  'activation.slip.code': 'Code',
  'activation.slip.howTo': 'Scan the QR code, or open the address below on a hospital PC, and set your password; you are then signed in.',
  'activation.slip.typeAt': 'You can also open {url} and type the code.',
  'activation.slip.expires': 'Valid until {at}',
  'activation.slip.loginId': 'After that, sign in with your employee number.',
  'activation.slip.keep': 'Keep this slip to yourself; throw it away once your password is set.',
  'activation.slip.qrLabel': 'QR code of the address of your password page',
  'activation.code.title': 'Activate your account',
  'activation.code.intro': 'Type the code printed on your slip to go on to setting your password.',
  'activation.code.label': 'Code (10 characters)',
  'activation.code.hint': 'For example 7K3M9-QX2PD (the hyphen may be left out)',
  'activation.code.submit': 'Next',
  'activation.code.help': 'If the code does not work, ask the training office (the security officer) for a new slip.',
  'activation.code.invalid':
    'This code cannot be used: it was mistyped, has expired, was replaced by a newer slip, or the password has already been set.',
  'activation.code.tooMany': 'Too many wrong codes from here. Please wait about 15 minutes and try again.',
  'activation.mail.subject': '[{hospital}] Please activate your security-training account',
  'activation.mail.body': `Dear {name},

An account has been made for you on the information-security training system (Mamoru) of {hospital}.
Open the link below and set your password; you are signed in as soon as it is set.

{link}

- The link works once, until {expiresAt}.
- From then on you sign in with your employee number ({employeeNo}) or this e-mail address.
- Do not forward the link. If you did not expect this mail, simply delete it.

{hospital}, training office
`,
  'activation.passwordSetSignedIn': 'Your password is set and you are signed in.',
  'audit.action.activation.issue': 'Account activation invitations issued in bulk',
  'audit.action.account.activation-issued': 'Account activation invitation issued',
  'audit.action.account.activation-opened': 'Password page opened from an activation slip\u2019s code',
};
