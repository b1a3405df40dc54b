/**
 * Checks a parsed manifest against the zip's file list. A launch file that is missing is an
 * error (the course cannot start); files merely listed in <file href> or as metadata are
 * warnings, because real packages often list files sloppily and play perfectly well.
 * Names are compared exactly: content is served from a case-sensitive store, so a case-only
 * difference would be a broken link in production even if it "works" on the author's PC.
 */
import type { ManifestModel } from './model';
import { type PackageProblem, packageProblem } from './problems';

export interface ManifestValidation {
  problems: PackageProblem[];
  warnings: PackageProblem[];
}

/** Listing hundreds of missing files helps nobody: the rest are summarised in one warning. */
export const MAX_MISSING_FILE_WARNINGS = 20;

export function validateManifest(model: ManifestModel, files: Set<string>): ManifestValidation {
  const problems: PackageProblem[] = [];
  const warnings: PackageProblem[] = [];
  const byLowerCase = new Map<string, string>();
  for (const name of files) byLowerCase.set(name.toLowerCase(), name);
  const missing = (file: string, code: string, details: PackageProblem['params']): PackageProblem => {
    const found = byLowerCase.get(file.toLowerCase());
    return packageProblem(code, {
      file,
      params: details,
      ...(found ? { hint: 'scorm.import.caseMismatchHint', params: { ...details, found } } : {}),
    });
  };

  const launched = new Set<string>();
  for (const organization of model.organizations) {
    const stack = [...organization.items];
    for (let item = stack.pop(); item; item = stack.pop()) {
      if (item.identifierref) launched.add(item.identifierref);
      stack.push(...item.children);
    }
  }
  for (const resource of model.resources) {
    if (resource.launchPath === null || files.has(resource.launchPath)) continue;
    const problem = missing(resource.launchPath, 'scorm.import.launchMissing', { resource: resource.identifier });
    (launched.has(resource.identifier) ? problems : warnings).push(problem);
  }

  let missingListed = 0;
  for (const resource of model.resources) {
    for (const file of resource.files) {
      if (files.has(file) || file === resource.launchPath) continue;
      missingListed += 1;
      if (missingListed <= MAX_MISSING_FILE_WARNINGS) {
        warnings.push(missing(file, 'scorm.import.fileListedMissing', { resource: resource.identifier }));
      }
    }
  }
  if (missingListed > MAX_MISSING_FILE_WARNINGS) {
    warnings.push(packageProblem('scorm.import.moreFilesMissing', { params: { count: missingListed - MAX_MISSING_FILE_WARNINGS } }));
  }
  for (const file of model.metadataFiles) {
    if (!files.has(file)) warnings.push(missing(file, 'scorm.import.metadataMissing', {}));
  }
  return { problems, warnings };
}
