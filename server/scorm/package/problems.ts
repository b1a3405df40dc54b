/**
 * What the package importer says about a package it refuses (problems) or accepts with
 * reservations (warnings). `code` is an i18n catalog key; `hint`, when present, is a second
 * key that adds advice (for example where a misplaced manifest was found). Both messages are
 * rendered with the same parameters: see `problemParams`.
 */
export interface PackageProblem {
  code: string;
  /** The zip entry the problem is about, as named in the zip. */
  file?: string;
  /** The manifest element the problem is about: usually its identifier, else its tag name. */
  element?: string;
  params?: Record<string, string | number>;
  hint?: string;
}

export function packageProblem(code: string, details: Omit<PackageProblem, 'code'> = {}): PackageProblem {
  return { code, ...details };
}

/** Parameters for the translator: `{file}` and `{element}` plus the problem's own params. */
export function problemParams(problem: PackageProblem): Record<string, string | number> {
  return { file: problem.file ?? '', element: problem.element ?? '', ...problem.params };
}

/** Thrown by the extraction helpers, which return data rather than a result union. */
export class PackageError extends Error {
  constructor(readonly problems: PackageProblem[]) {
    super(`SCORM package rejected: ${problems.map((p) => p.code).join(', ')}`);
    this.name = 'PackageError';
  }
}

const MIB = 1024 * 1024;
/** Sizes are shown to administrators in whole mebibytes ("MB"), rounded up. */
export const toMb = (bytes: number): number => Math.ceil(bytes / MIB);
