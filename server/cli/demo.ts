import { stringify } from 'csv-stringify/sync';
import type { Viewer } from '../auth/policies';
import { createAdmin, setPasswordFromCli } from '../auth/service';
import type { Database } from '../db/client';
import { saveHospitalProfile } from '../hospital/service';
import { setRolesOf } from '../staff/service';
import { applyImport, loadPreview, previewImport } from '../staff/import/service';
import type { Command } from './commands';

// A fictional 450-bed hospital. Every name here is made up.
const HOSPITAL = { name: '架空市立みなと総合病院（デモ）', institutionCode: '1312345678', licensedBeds: 450, fiscalYearStartMonth: 4 };

/** Departments with their share of staff and the job categories they employ. */
const DEPARTMENTS: [name: string, weight: number, jobs: string[]][] = [
  ['内科', 40, ['医師']],
  ['外科', 25, ['医師']],
  ['整形外科', 15, ['医師']],
  ['小児科', 12, ['医師']],
  ['産婦人科', 12, ['医師']],
  ['救急科', 15, ['医師']],
  ['麻酔科', 12, ['医師']],
  ['精神科', 8, ['医師']],
  ['看護部 3階東病棟', 55, ['看護師']],
  ['看護部 3階西病棟', 55, ['看護師']],
  ['看護部 4階東病棟', 55, ['看護師']],
  ['看護部 4階西病棟', 55, ['看護師']],
  ['看護部 5階病棟', 55, ['看護師']],
  ['看護部 ICU', 45, ['看護師']],
  ['看護部 救急外来', 40, ['看護師']],
  ['看護部 外来', 60, ['看護師']],
  ['看護部 手術室', 45, ['看護師']],
  ['薬剤部', 30, ['薬剤師']],
  ['臨床検査部', 45, ['医療技術職']],
  ['放射線部', 35, ['医療技術職']],
  ['リハビリテーション部', 50, ['医療技術職']],
  ['臨床工学部', 20, ['医療技術職']],
  ['栄養管理部', 20, ['医療技術職', '委託・派遣']],
  ['医事課', 60, ['事務職', '委託・派遣']],
  ['総務課', 30, ['事務職']],
  ['経理課', 20, ['事務職']],
  ['情報システム課', 12, ['事務職', '委託・派遣']],
  ['地域医療連携室', 20, ['事務職']],
  ['施設管理課', 30, ['事務職', '委託・派遣']],
  ['清掃・警備（委託）', 60, ['委託・派遣']],
];

const SURNAMES: [string, string][] = [
  ['佐藤', 'さとう'],
  ['鈴木', 'すずき'],
  ['高橋', 'たかはし'],
  ['田中', 'たなか'],
  ['伊藤', 'いとう'],
  ['渡辺', 'わたなべ'],
  ['山本', 'やまもと'],
  ['中村', 'なかむら'],
  ['小林', 'こばやし'],
  ['加藤', 'かとう'],
  ['吉田', 'よしだ'],
  ['山田', 'やまだ'],
  ['佐々木', 'ささき'],
  ['山口', 'やまぐち'],
  ['松本', 'まつもと'],
  ['井上', 'いのうえ'],
  ['木村', 'きむら'],
  ['林', 'はやし'],
  ['斎藤', 'さいとう'],
  ['清水', 'しみず'],
  ['山崎', 'やまざき'],
  ['森', 'もり'],
  ['池田', 'いけだ'],
  ['橋本', 'はしもと'],
  ['阿部', 'あべ'],
  ['石川', 'いしかわ'],
  ['前田', 'まえだ'],
  ['藤田', 'ふじた'],
  ['小川', 'おがわ'],
  ['岡田', 'おかだ'],
];
const GIVEN: [string, string][] = [
  ['翔太', 'しょうた'],
  ['大輔', 'だいすけ'],
  ['健一', 'けんいち'],
  ['拓也', 'たくや'],
  ['直樹', 'なおき'],
  ['誠', 'まこと'],
  ['陽菜', 'ひな'],
  ['美咲', 'みさき'],
  ['さくら', 'さくら'],
  ['由美', 'ゆみ'],
  ['恵子', 'けいこ'],
  ['彩', 'あや'],
  ['優子', 'ゆうこ'],
  ['真理', 'まり'],
  ['千尋', 'ちひろ'],
  ['花子', 'はなこ'],
  ['結衣', 'ゆい'],
  ['裕子', 'ゆうこ'],
  ['浩二', 'こうじ'],
  ['亮', 'りょう'],
  ['智子', 'ともこ'],
  ['舞', 'まい'],
  ['隆', 'たかし'],
  ['明美', 'あけみ'],
];
// Foreign-born nurses and care workers are staff too (they use the English UI).
const FOREIGN: [string, string][] = [
  ['Maria Santos', 'まりあ さんとす'],
  ['Nguyen Thi Lan', 'ぐえん てぃ らん'],
  ['Dewi Lestari', 'でうぃ れすたり'],
];

/** Deterministic pseudo-random numbers, so the demo is the same on every machine. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

export const DEMO_ROSTER_HEADER = ['職員番号', '氏名', 'ふりがな', 'メールアドレス', '所属', '職種', '入職日', '退職日', '言語'];
export const DEMO_DEPARTMENT_NAMES = DEPARTMENTS.map(([name]) => name);

/** A realistic roster: departments sized by weight, Japanese names with kana, a few foreign-born nurses. */
export function demoRosterRows(total = 1200, prefix = 'D'): string[][] {
  const rand = rng(450);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const weightSum = DEPARTMENTS.reduce((s, d) => s + d[1], 0);
  const rows: string[][] = [];
  let n = 0;
  // Departments are filled in proportion to their weight, round by round, until `total` people.
  while (n < total) {
    for (const [dept, weight, jobs] of DEPARTMENTS) {
      const count = Math.max(1, Math.round((weight / weightSum) * Math.min(total, 1200)));
      for (let i = 0; i < count && n < total; i++) {
        n++;
        const foreign = dept.startsWith('看護部') && rand() < 0.03;
        const [name, kana] = foreign
          ? pick(FOREIGN)
          : (() => {
              const s = pick(SURNAMES);
              const g = pick(GIVEN);
              return [`${s[0]} ${g[0]}`, `${s[1]} ${g[1]}`];
            })();
        const year = 1990 + Math.floor(rand() * 36);
        const month = rand() < 0.7 ? 4 : 1 + Math.floor(rand() * 12);
        const no = `${prefix}${String(n).padStart(5, '0')}`;
        rows.push([
          no,
          name,
          kana,
          `${no.toLowerCase()}@minato-hp.example`,
          dept,
          pick(jobs),
          `${year}-${String(month).padStart(2, '0')}-01`,
          '',
          foreign ? 'en' : 'ja',
        ]);
      }
    }
  }
  return rows;
}

export function demoRosterCsv(total = 1200): string {
  return stringify([DEMO_ROSTER_HEADER, ...demoRosterRows(total)]);
}

export const DEMO_PASSWORD = 'mamoru-demo-2026';

interface DemoAccount {
  employeeNo: string;
  roles: Viewer['roles'];
  managesOwnDepartment?: boolean;
}

/** Roles through the roster's audited update (by the demo administrator), the known password through auth's (by the CLI). */
async function setDemoAccount(db: Database, actor: Viewer, account: DemoAccount, now: Date) {
  const id = await setRolesOf(db, actor, account, now);
  await setPasswordFromCli(db, id, DEMO_PASSWORD, now);
}

export const demoCommand: Command = {
  summary: 'Load a fictional 450-bed hospital with about 1,200 staff and demo accounts (idempotent).',
  options: { staff: { type: 'string' } },
  run: async ({ database, options }) => {
    const db = database.db;
    const now = new Date();
    const total = Number(options.staff ?? 1200);
    const id = await previewImport(
      db,
      null,
      { bytes: Buffer.from(demoRosterCsv(total)), filename: 'demo-roster.csv' },
      { encoding: 'utf-8', retireMissing: false },
    );
    const preview = await loadPreview(db, id, now);
    if (preview.errors.length) throw new Error(`demo roster has errors: ${JSON.stringify(preview.errors.slice(0, 3))}`);
    const summary = await applyImport(db, null, id, now);

    const admin = await createAdmin(
      db,
      { employeeNo: 'demo-admin', name: 'デモ 管理者', email: 'demo-admin@minato-hp.example', password: DEMO_PASSWORD },
      now,
    );
    const system: Viewer = {
      id: admin.id,
      employeeNo: 'demo-admin',
      name: 'デモ 管理者',
      roles: ['staff', 'admin'],
      locale: 'ja',
      managedDepartmentIds: [],
    };
    await saveHospitalProfile(db, system, HOSPITAL, now);
    await setDemoAccount(db, system, { employeeNo: 'D00001', roles: ['staff', 'officer'] }, now);
    await setDemoAccount(db, system, { employeeNo: 'D00600', roles: ['staff', 'manager'], managesOwnDepartment: true }, now);
    await setDemoAccount(db, system, { employeeNo: 'D00601', roles: ['staff'] }, now);

    console.log(`Demo hospital loaded: ${HOSPITAL.name}, ${HOSPITAL.licensedBeds} beds.`);
    console.log(`Roster: ${summary.create} created, ${summary.update} updated, ${summary.unchanged} unchanged.`);
    console.log(`\nDemo accounts (password for all: ${DEMO_PASSWORD}):`);
    console.log('  demo-admin   administrator');
    console.log('  D00001       security officer (安全管理責任者)');
    console.log('  D00600       department head (所属長) of their own ward');
    console.log('  D00601       staff member');
    console.log('\nDemo data only: change these passwords before real use.');
    return 0;
  },
};
