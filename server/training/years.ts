import type { Database } from '../db/client';
import { conflict, notFound } from '../lib/errors';
import { currentFiscalYear, type FiscalYear } from './fiscal-year';
import * as repo from './repository';

// Which plans may still change: those of the current fiscal year and later. A closed year's plans
// and records are history.

/** Refuses a change to a plan of a closed year: its records are history. */
export async function assertYearOpen(db: Database, fiscalYear: number, now: Date): Promise<FiscalYear> {
  const current = await currentFiscalYear(db, now);
  if (fiscalYear < current.year) throw conflict('training.error.yearClosed', { year: fiscalYear });
  return current;
}

/** Whether a plan of this year can still change (the current year and later). */
export async function isYearOpen(db: Database, fiscalYear: number, now: Date) {
  return fiscalYear >= (await currentFiscalYear(db, now)).year;
}

export async function getPlan(db: Database, id: number) {
  const plan = await repo.findPlan(db, id);
  if (!plan) throw notFound();
  return plan;
}

/** A plan whose requirements may be edited: 404 if missing, 409 if its year has closed. */
export async function editablePlan(db: Database, id: number, now: Date) {
  const plan = await getPlan(db, id);
  await assertYearOpen(db, plan.fiscalYear, now);
  return plan;
}
