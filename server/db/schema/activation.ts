// Getting every staff member in (issue 13): invitations to set a first password, issued in bulk.
import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { staff } from './core';

/**
 * One invitation to activate an account: an e-mail carrying a password link (the link itself is a
 * one_time_tokens row, written in the same transaction), or a printed slip carrying a short
 * activation code. A slip's code is stored only as an HMAC with the session secret, so neither a
 * copy of the database nor its backups can give one back; the code is shown once, on the page that
 * prints it. An invitation stops working when it expires, when a newer one replaces it
 * (revoked_at), or as soon as the person has a password (an activation code sets a first password,
 * never a later one).
 */
export const activationInvitations = pgTable(
  'activation_invitations',
  {
    id: serial('id').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: ['mail', 'slip'] }).notNull(),
    // Slips only: HMAC-SHA256 of the normalised code.
    codeHash: text('code_hash'),
    issuedBy: integer('issued_by').references(() => staff.id),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    // When a slip's code was last opened (it opens a fresh short-lived password link each time).
    openedAt: timestamp('opened_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('activation_invitations_code_key').on(t.codeHash),
    index('activation_invitations_staff_idx').on(t.staffId, t.issuedAt),
  ],
);
