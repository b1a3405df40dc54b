// The layering rules of eslint.config.mjs, run through ESLint itself on made-up files placed in
// the tree (lintText with a filePath: nothing is written), so `npm run check` is shown to fail
// on each kind of breach and to accept the allowed shapes.
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function layeringMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'mamoru/layering').map((m) => m.message);
}

test('a drizzle import in a route or a service fails; in a repository or server/db it passes', async () => {
  const query = "import { eq } from 'drizzle-orm';\nexport const x = eq;\n";
  expect(await layeringMessages('server/staff/routes.ts', query)).toEqual([expect.stringMatching(/drizzle is used only in repositories/)]);
  expect(await layeringMessages('server/staff/service.ts', query)).toHaveLength(1);
  expect(await layeringMessages('server/staff/repository.ts', query)).toEqual([]);
  expect(await layeringMessages('server/db/client.ts', query)).toEqual([]);
});

test("a route importing a repository fails, even its own feature's", async () => {
  const code = "import * as repo from './repository';\nexport const x = repo;\n";
  expect(await layeringMessages('server/staff/routes.ts', code)).toEqual([expect.stringMatching(/Routes call a service/)]);
  expect(await layeringMessages('server/staff/organisation-routes.ts', code)).toHaveLength(1);
});

test("another feature's repository fails as a value import; its own feature's and type-only imports pass", async () => {
  const foreign = "import { findCourse } from '../courses/repository';\nexport const x = findCourse;\n";
  expect(await layeringMessages('server/scorm/tracking/service.ts', foreign)).toEqual([
    expect.stringMatching(/Another feature's repository/),
  ]);
  // A sub-feature is a feature of its own: the roster import reaches staff through the staff service.
  expect(
    await layeringMessages('server/staff/import/service.ts', "import * as staff from '../repository';\nexport const x = staff;\n"),
  ).toHaveLength(1);
  expect(
    await layeringMessages('server/scorm/tracking/service.ts', "import * as repo from './repository';\nexport const x = repo;\n"),
  ).toEqual([]);
  expect(
    await layeringMessages(
      'server/scorm/tracking/presenter.ts',
      "import type { ScoRow } from '../courses/repository';\nexport type X = ScoRow;\n",
    ),
  ).toEqual([]);
});
