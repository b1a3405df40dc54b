/**
 * imsmanifest.xml -> ManifestModel. Structural problems that need no zip listing are found
 * here (duplicate identifiers, an item pointing at no resource, a launch href that leaves the
 * package, nothing to launch); whether files exist is validate.ts's job.
 */
import { launchSuffix, normaliseZipPath } from './launch';
import { type Findings, readItem, readResource, type ReadResource } from './manifest-elements';
import { attr, children, parseXml, path, text, type XmlNode } from './manifest-xml';
import type { Item, ManifestModel, Organization, ScormStandard, Sco } from './model';
import { type PackageProblem, packageProblem } from './problems';

export type ManifestResult = { ok: true; model: ManifestModel; warnings: PackageProblem[] } | { ok: false; problems: PackageProblem[] };

const SCHEMA_VERSIONS: Record<string, ScormStandard> = {
  '1.2': '1.2',
  'cam 1.3': '2004-2nd',
  '2004 2nd edition': '2004-2nd',
  '2004 3rd edition': '2004-3rd',
  '2004 4th edition': '2004-4th',
};

/** From `metadata/schemaversion`; without a known one, the namespaces decide (1.2 by default). */
function detectStandard(schemaVersion: string, rawXml: string, findings: Findings): ScormStandard {
  const known = SCHEMA_VERSIONS[schemaVersion.replace(/\s+/g, ' ').trim().toLowerCase()];
  if (known) return known;
  const guessed: ScormStandard = /adlcp_v1p3|adlseq_v1p3|imsglobal\.org\/xsd\/imsss/i.test(rawXml) ? '2004-3rd' : '1.2';
  if (schemaVersion !== '' || guessed !== '1.2') {
    findings.warnings.push(
      packageProblem('scorm.import.schemaVersionGuessed', { params: { version: schemaVersion || '-', standard: guessed } }),
    );
  }
  return guessed;
}

function collectMetadataFiles(node: XmlNode, into: Set<string>): void {
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text' || !Array.isArray(value)) continue;
    for (const child of children(node, key)) {
      if (key === 'metadata') {
        for (const location of children(child, 'location')) {
          const zipPath = normaliseZipPath(text(location));
          if (zipPath) into.add(zipPath);
        }
      }
      collectMetadataFiles(child, into);
    }
  }
}

function* walkItems(items: Item[]): Generator<Item> {
  for (const item of items) {
    yield item;
    yield* walkItems(item.children);
  }
}

/** Identifiers must be unique among organizations and items, and among resources. */
function checkUnique(identifiers: string[], findings: Findings): void {
  const seen = new Set<string>();
  for (const id of identifiers) {
    if (id === '') continue;
    if (seen.has(id))
      findings.problems.push(packageProblem('scorm.import.duplicateIdentifier', { element: id, params: { identifier: id } }));
    seen.add(id);
  }
}

/**
 * The course title in each language the manifest's own LOM metadata gives: IEEE LOM
 * (`<lom><general><title><string language="ja">`, SCORM 2004) or IMS MD 1.2
 * (`<imsmd:lom>…<imsmd:langstring xml:lang="ja">`, SCORM 1.2). Keys are primary subtags.
 */
function lomTitles(root: XmlNode): Record<string, string> {
  const title = path(root, 'metadata', 'lom', 'general', 'title');
  const titles: Record<string, string> = {};
  for (const node of [...children(title, 'string'), ...children(title, 'langstring')]) {
    const language = (attr(node, 'language') ?? attr(node, 'lang') ?? '').trim().toLowerCase().split('-')[0];
    const value = text(node);
    if (language && value && !(language in titles)) titles[language] = value.slice(0, 500);
  }
  return titles;
}

export function parseManifest(xml: string | Buffer): ManifestResult {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  const { root } = parsed;
  const findings: Findings = { problems: [], warnings: [] };

  const identifier = attr(root, 'identifier')?.trim() ?? '';
  if (identifier === '') findings.warnings.push(packageProblem('scorm.import.noManifestIdentifier', { file: 'imsmanifest.xml' }));
  const schemaVersion = text(path(root, 'metadata', 'schemaversion'));
  const standard = detectStandard(schemaVersion, parsed.text, findings);

  const organizationsNode = path(root, 'organizations');
  const organizations: Organization[] = children(organizationsNode, 'organization').map((node) => {
    const orgId = attr(node, 'identifier')?.trim() ?? '';
    if (orgId === '') {
      findings.problems.push(
        packageProblem('scorm.import.missingAttribute', { element: 'organization', params: { attribute: 'identifier' } }),
      );
    }
    return {
      identifier: orgId,
      title: text(path(node, 'title')) || orgId,
      items: children(node, 'item').map((item) => readItem(item, findings)),
    };
  });

  const resourcesNode = path(root, 'resources');
  const outerBases = [attr(root, 'base'), attr(resourcesNode, 'base')];
  const read = children(resourcesNode, 'resource').map((node) => readResource(node, outerBases, findings));
  const byId = new Map<string, ReadResource>(read.map((r) => [r.resource.identifier, r]));

  checkUnique(
    [...organizations.map((o) => o.identifier), ...organizations.flatMap((o) => [...walkItems(o.items)].map((i) => i.identifier))],
    findings,
  );
  checkUnique(
    read.map((r) => r.resource.identifier),
    findings,
  );
  for (const r of read) {
    for (const ref of r.resource.dependencies) {
      if (!byId.has(ref))
        findings.warnings.push(packageProblem('scorm.import.danglingDependency', { element: r.resource.identifier, params: { ref } }));
    }
  }

  // Every item in every organization must launch something real, even if not played first.
  for (const item of organizations.flatMap((o) => [...walkItems(o.items)])) {
    if (!item.identifierref) continue;
    const target = byId.get(item.identifierref);
    if (!target) {
      findings.problems.push(
        packageProblem('scorm.import.danglingRef', {
          element: item.identifier,
          params: { item: item.identifier, ref: item.identifierref },
        }),
      );
    } else if (target.hrefProblem) {
      findings.problems.push(target.hrefProblem);
    } else if (!target.launch) {
      findings.problems.push(
        packageProblem('scorm.import.resourceWithoutHref', { element: target.resource.identifier, params: { item: item.identifier } }),
      );
    }
  }

  const requestedDefault = attr(organizationsNode, 'default')?.trim() || null;
  const played = organizations.find((o) => o.identifier === requestedDefault) ?? organizations[0];
  if (requestedDefault && played && played.identifier !== requestedDefault) {
    findings.warnings.push(
      packageProblem('scorm.import.defaultOrgMissing', {
        element: requestedDefault,
        params: { organization: requestedDefault, used: played.identifier },
      }),
    );
  }
  const scos = played ? launchableItems(played, byId) : [];
  if (scos.length === 0 && findings.problems.length === 0) {
    findings.problems.push(packageProblem('scorm.import.noLaunchable', { element: played?.identifier ?? 'organizations' }));
  }
  if (findings.problems.length > 0) return { ok: false, problems: dedupe(findings.problems) };

  const metadataFiles = new Set<string>();
  collectMetadataFiles(root, metadataFiles);
  return {
    ok: true,
    warnings: dedupe(findings.warnings),
    model: {
      identifier,
      standard,
      schemaVersion: schemaVersion || null,
      title: played?.title || identifier,
      titles: lomTitles(root),
      defaultOrganization: played?.identifier ?? null,
      organizations,
      resources: read.map((r) => r.resource),
      scos,
      metadataFiles: [...metadataFiles],
    },
  };
}

function launchableItems(organization: Organization, byId: Map<string, ReadResource>): Sco[] {
  const scos: Sco[] = [];
  for (const item of walkItems(organization.items)) {
    const target = item.identifierref ? byId.get(item.identifierref) : undefined;
    if (!target?.launch) continue;
    scos.push({
      itemIdentifier: item.identifier,
      resourceIdentifier: target.resource.identifier,
      scormType: target.resource.scormType,
      title: item.title,
      launchPath: target.launch.path,
      launchQuery: launchSuffix(target.launch, item.parameters),
      isVisible: item.isVisible,
      masteryScore: item.masteryScore,
      maxTimeAllowed: item.maxTimeAllowed,
      timeLimitAction: item.timeLimitAction,
      dataFromLms: item.dataFromLms,
      completionThreshold: item.completionThreshold,
      scaledPassingScore: item.scaledPassingScore,
    });
  }
  return scos;
}

/** The same resource can be launched by several items: say each thing once. */
function dedupe(problems: PackageProblem[]): PackageProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify(p);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
