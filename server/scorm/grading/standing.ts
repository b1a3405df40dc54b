/**
 * What other features ask of grading, apart from its routes: the install marks a version as graded
 * here, and the roll-up asks whether the server graded a pass. (Its own module, not service.ts,
 * which reads the course sources through courses/builtin: that would make an import cycle.)
 */
export { markServerGraded, serverGrade } from './repository';
