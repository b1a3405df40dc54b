import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Work to do after a change commits (mail, jobs), written in the change's own transaction, so a
 * job exists exactly when its cause committed. The worker drains due rows with
 * FOR UPDATE SKIP LOCKED; a row is pending until done_at or dead_at is set.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    doneAt: timestamp('done_at', { withTimezone: true }),
    // Set when the last allowed attempt failed: kept (with last_error) for a person to look at.
    deadAt: timestamp('dead_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The drain query: pending rows by due time. Partial, so done rows never slow it down.
    index('outbox_due_idx')
      .on(t.runAfter, t.id)
      .where(sql`${t.doneAt} IS NULL AND ${t.deadAt} IS NULL`),
    index('outbox_dead_idx')
      .on(t.deadAt)
      .where(sql`${t.deadAt} IS NOT NULL`),
  ],
);
