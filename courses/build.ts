/**
 * `npm run courses:build`: checks every courses/<slug>/ and writes courses/dist/<slug>-scorm12.zip
 * and <slug>-scorm2004.zip. Exits non-zero with the list of problems when a source is invalid.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildPackage, coursesRoot, CourseSourceError, loadCourses, PACKAGE_FILE } from './_build';

async function main(): Promise<number> {
  const root = coursesRoot();
  let courses;
  try {
    courses = loadCourses(root);
  } catch (err) {
    if (err instanceof CourseSourceError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  if (courses.length === 0) console.log(`No course folders (with a course.json) under ${root}.`);
  const out = path.join(root, 'dist');
  fs.mkdirSync(out, { recursive: true });
  for (const course of courses) {
    for (const standard of ['1.2', '2004'] as const) {
      const zip = await buildPackage(course, standard, root);
      const file = path.join(out, `${course.meta.slug}-${PACKAGE_FILE[standard]}.zip`);
      fs.writeFileSync(file, zip);
      const sha = createHash('sha256').update(zip).digest('hex');
      console.log(`${path.relative(process.cwd(), file)}  ${zip.length} bytes  sha256 ${sha}`);
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
