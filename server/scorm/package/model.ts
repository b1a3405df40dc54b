/** The typed model of a SCORM package's imsmanifest.xml (SCORM 1.2 and 2004 CAM). */

export type ScormStandard = '1.2' | '2004-2nd' | '2004-3rd' | '2004-4th';

export interface ManifestModel {
  identifier: string;
  standard: ScormStandard;
  /** `metadata/schemaversion` as written, or null when absent. */
  schemaVersion: string | null;
  /** The default organization's title (what a learner sees as the course name). */
  title: string;
  /**
   * The course title per language from the manifest's inline LOM metadata (general/title as
   * langstrings), keyed by primary language subtag ('ja', 'en'); empty when there is none.
   * Absent in versions imported before it was read.
   */
  titles?: Record<string, string>;
  /** The organization that is played: `organizations@default` when it exists, else the first. */
  defaultOrganization: string | null;
  organizations: Organization[];
  resources: Resource[];
  /** Launchable items of the default organization, in document order (SCOs and assets). */
  scos: Sco[];
  /** `adlcp:location` of every <metadata>, as zip paths. */
  metadataFiles: string[];
}

export interface Organization {
  identifier: string;
  title: string;
  items: Item[];
}

/** Values that initialise the run-time data model of the SCO an item launches. */
export interface ItemLaunchData {
  /** SCORM 1.2 `adlcp:masteryscore` (0–100): cmi.student_data.mastery_score. */
  masteryScore: number | null;
  /** 1.2 `adlcp:maxtimeallowed`, or 2004 `imsss:limitConditions@attemptAbsoluteDurationLimit`. */
  maxTimeAllowed: string | null;
  /** 1.2 `adlcp:timelimitaction`, 2004 `adlcp:timeLimitAction`. */
  timeLimitAction: string | null;
  /** 1.2 `adlcp:datafromlms`, 2004 `adlcp:dataFromLMS`: cmi.launch_data. */
  dataFromLms: string | null;
  /** 2004 `adlcp:completionThreshold`: `@minProgressMeasure` (4th ed.) or its text (2nd/3rd ed.), 0–1. */
  completionThreshold: number | null;
  /** 2004 primary objective `@satisfiedByMeasure="true"` + `imsss:minNormalizedMeasure` (default 1), −1–1. */
  scaledPassingScore: number | null;
}

export interface Item extends ItemLaunchData {
  identifier: string;
  title: string;
  identifierref: string | null;
  isVisible: boolean;
  parameters: string | null;
  children: Item[];
  objectives: { id: string; primary: boolean }[];
}

export interface Resource {
  identifier: string;
  type: string;
  scormType: 'sco' | 'asset';
  /** The href attribute as written (entities decoded). */
  href: string | null;
  /** xml:base of manifest, resources and resource joined, or null when none is set. */
  base: string | null;
  /** The href resolved to a zip path, or null (no href, or one that leaves the package). */
  launchPath: string | null;
  /** <file href> resolved to zip paths. */
  files: string[];
  /** identifierrefs of <dependency> elements. */
  dependencies: string[];
}

export interface Sco extends ItemLaunchData {
  itemIdentifier: string;
  resourceIdentifier: string;
  scormType: 'sco' | 'asset';
  title: string;
  /** Zip path of the launch file, after xml:base of manifest, resources and resource. */
  launchPath: string;
  /** What follows the path in the launch URL: '', '?…', '#…' or '?…#…' (href + parameters). */
  launchQuery: string;
  isVisible: boolean;
}
