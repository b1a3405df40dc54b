/** Readers for the manifest's <item> and <resource> elements (local names; see manifest-xml.ts). */
import { joinBases, type LaunchLocation, resolveHref } from './launch';
import { attr, children, path, text, type XmlNode } from './manifest-xml';
import type { Item, Resource } from './model';
import { type PackageProblem, packageProblem } from './problems';

/** Problems (refuse the package) and warnings (import it, but tell the administrator). */
export interface Findings {
  problems: PackageProblem[];
  warnings: PackageProblem[];
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** A decimal within [min, max]; anything else is a warning and counts as absent. */
function decimal(raw: string | null, range: [number, number], element: string, field: string, findings: Findings): number | null {
  const value = raw?.trim() ?? '';
  if (value === '') return null;
  const n = Number(value);
  if (DECIMAL.test(value) && n >= range[0] && n <= range[1]) return n;
  findings.warnings.push(
    packageProblem('scorm.import.badNumber', { element, params: { field, value: value.slice(0, 40), min: range[0], max: range[1] } }),
  );
  return null;
}

const textOrNull = (node: XmlNode | undefined): string | null => (node ? text(node) || null : null);

export function readItem(node: XmlNode, findings: Findings): Item {
  const identifier = attr(node, 'identifier')?.trim() ?? '';
  if (identifier === '') {
    findings.problems.push(packageProblem('scorm.import.missingAttribute', { element: 'item', params: { attribute: 'identifier' } }));
  }
  const sequencing = path(node, 'sequencing');
  const objectives = path(sequencing, 'objectives');
  const primary = path(objectives, 'primaryObjective');
  const threshold = path(node, 'completionThreshold');
  const primaryId = attr(primary, 'objectiveID')?.trim();
  return {
    identifier,
    title: text(path(node, 'title')) || identifier,
    identifierref: attr(node, 'identifierref')?.trim() || null,
    isVisible: attr(node, 'isvisible')?.trim().toLowerCase() !== 'false',
    parameters: attr(node, 'parameters'),
    children: children(node, 'item').map((child) => readItem(child, findings)),
    masteryScore: decimal(textOrNull(path(node, 'masteryscore')), [0, 100], identifier, 'adlcp:masteryscore', findings),
    maxTimeAllowed:
      textOrNull(path(node, 'maxtimeallowed')) ?? attr(path(sequencing, 'limitConditions'), 'attemptAbsoluteDurationLimit')?.trim() ?? null,
    timeLimitAction: textOrNull(path(node, 'timelimitaction')) ?? textOrNull(path(node, 'timeLimitAction')),
    dataFromLms: textOrNull(path(node, 'datafromlms')) ?? textOrNull(path(node, 'dataFromLMS')),
    completionThreshold: threshold
      ? decimal(attr(threshold, 'minProgressMeasure') ?? text(threshold), [0, 1], identifier, 'adlcp:completionThreshold', findings)
      : null,
    scaledPassingScore:
      primary && attr(primary, 'satisfiedByMeasure')?.trim() === 'true'
        ? (decimal(textOrNull(path(primary, 'minNormalizedMeasure')), [-1, 1], identifier, 'imsss:minNormalizedMeasure', findings) ?? 1)
        : null,
    objectives: [
      ...(primaryId ? [{ id: primaryId, primary: true }] : []),
      ...children(objectives, 'objective')
        .map((o) => attr(o, 'objectiveID')?.trim() ?? '')
        .filter((id) => id !== '')
        .map((id) => ({ id, primary: false })),
    ],
  };
}

/** A resource plus its resolved launch location (kept aside: the query is not part of Resource). */
export interface ReadResource {
  resource: Resource;
  launch: LaunchLocation | null;
  /** Why the href could not be resolved, reported only if an item launches this resource. */
  hrefProblem: PackageProblem | null;
}

export function readResource(node: XmlNode, outerBases: (string | null)[], findings: Findings): ReadResource {
  const identifier = attr(node, 'identifier')?.trim() ?? '';
  if (identifier === '') {
    findings.problems.push(packageProblem('scorm.import.missingAttribute', { element: 'resource', params: { attribute: 'identifier' } }));
  }
  const scormType = (attr(node, 'scormType') ?? attr(node, 'scormtype') ?? '').trim().toLowerCase() === 'sco' ? 'sco' : 'asset';
  const ownBase = attr(node, 'base');
  const base = joinBases([...outerBases, ownBase]);
  const href = attr(node, 'href');
  let launch: LaunchLocation | null = null;
  let hrefProblem: PackageProblem | null = null;
  if (base === null) {
    const shownBase = [...outerBases, ownBase].filter((b) => b?.trim()).join(' + ');
    hrefProblem = packageProblem('scorm.import.badHref', { element: identifier, params: { href: shownBase } });
  } else if (href !== null && href.trim() !== '') {
    launch = resolveHref(base, href);
    if (!launch) hrefProblem = packageProblem('scorm.import.badHref', { element: identifier, params: { href } });
  }
  const files =
    base === null
      ? []
      : children(node, 'file')
          .map((file) => attr(file, 'href'))
          .map((fileHref) => (fileHref ? resolveHref(base, fileHref)?.path : undefined))
          .filter((p): p is string => p !== undefined);
  const dependencies = children(node, 'dependency')
    .map((d) => attr(d, 'identifierref')?.trim() ?? '')
    .filter((ref) => ref !== '');
  return {
    resource: {
      identifier,
      type: attr(node, 'type')?.trim() ?? '',
      scormType,
      href: href?.trim() || null,
      base: base || null,
      launchPath: launch?.path ?? null,
      files: [...new Set(files)],
      dependencies,
    },
    launch,
    hrefProblem,
  };
}
