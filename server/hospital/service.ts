import type { Viewer } from '../auth/policies';
import { recordAudit } from '../compliance/audit/service';
import type { Database } from '../db/client';
import { withTransaction } from '../db/transaction';
import * as repo from './repository';
import type { HospitalProfileInput } from './schema';

export const getHospitalProfile = (db: Database) => repo.getProfile(db);

export async function saveHospitalProfile(db: Database, actor: Viewer, input: HospitalProfileInput, now: Date) {
  await withTransaction(db, now, async (work) => {
    const { tx } = work;
    const before = await repo.getProfile(tx);
    const values = {
      name: input.name,
      institutionCode: input.institutionCode ?? null,
      licensedBeds: input.licensedBeds,
      fiscalYearStartMonth: input.fiscalYearStartMonth,
    };
    await repo.saveProfile(tx, values, now);
    recordAudit(work, [
      {
        actorId: actor.id,
        action: before ? 'hospital.update' : 'hospital.create',
        subjectType: 'hospital',
        subjectId: 1,
        details: {
          before: before
            ? {
                name: before.name,
                institutionCode: before.institutionCode,
                licensedBeds: before.licensedBeds,
                fiscalYearStartMonth: before.fiscalYearStartMonth,
              }
            : null,
          after: values,
        },
      },
    ]);
  });
}
