import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { hospital } from '../db/schema';

export type HospitalRow = typeof hospital.$inferSelect;

export async function getProfile(db: Database): Promise<HospitalRow | undefined> {
  const [row] = await db.select().from(hospital).where(eq(hospital.id, 1)).limit(1);
  return row;
}

export async function saveProfile(db: Database, values: Omit<typeof hospital.$inferInsert, 'id'>, now: Date) {
  await db
    .insert(hospital)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: hospital.id, set: { ...values, updatedAt: now } });
}
