/** The course build as functions: used by `npm run courses:build` and by the first-start install. */
export { buildPackage, type BuildStandard, coursesRoot, manifestXml, PACKAGE_FILE, RUNTIME_FILES } from './package';
export { type CoursePage, type CourseSource, CourseSourceError, courseDirs, loadCourse, loadCourses, PARAGRAPH_LIMIT } from './source';
export type { BuildOptions } from './pages';
export { CourseSchema, QuestionBankSchema, QuestionSchema } from './schema';
