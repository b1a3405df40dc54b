/**
 * The XML layer under the manifest parser: bytes -> text (BOM, declared encoding; Japanese
 * authoring tools still write Shift_JIS), a refusal of any DTD before parsing (no entity is
 * ever expanded, so XXE and "billion laughs" have nothing to work with), and a small tree
 * API over fast-xml-parser's output.
 *
 * Namespace prefixes are stripped and elements matched by local name: `adlcp:scormType`,
 * `imsss:objectives` and `xml:base` become `scormType`, `objectives` and `base`. Packages in
 * the wild use unusual prefixes (or none), and no SCORM element we read has a local name
 * that clashes with another's. Which standard a package uses is told from the raw text.
 */
import iconv from 'iconv-lite';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type PackageProblem, packageProblem } from './problems';

export interface XmlNode {
  [key: string]: unknown;
}

export type XmlParse = { ok: true; root: XmlNode; text: string } | { ok: false; problems: PackageProblem[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  alwaysCreateTextNode: true,
  // Every element is a list, so one code path reads one child or many.
  isArray: (_name: string, _jpath: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
});

/** Decodes manifest bytes: BOM first, then the XML declaration's encoding, else UTF-8. */
export function manifestText(input: string | Buffer): string | PackageProblem {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) return input.subarray(3).toString('utf8');
  if (input[0] === 0xff && input[1] === 0xfe) return iconv.decode(input.subarray(2), 'utf-16le');
  if (input[0] === 0xfe && input[1] === 0xff) return iconv.decode(input.subarray(2), 'utf-16be');
  const head = input.subarray(0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  if (!declared || /^utf-?8$/i.test(declared)) return input.toString('utf8');
  if (!iconv.encodingExists(declared))
    return packageProblem('scorm.import.badEncoding', { file: 'imsmanifest.xml', params: { encoding: declared } });
  return iconv.decode(input, declared);
}

/** Refuses DTDs, checks well-formedness (with a line number), then parses. */
export function parseXml(input: string | Buffer): XmlParse {
  const text = manifestText(input);
  if (typeof text !== 'string') return { ok: false, problems: [text] };
  // Refused wherever it appears, comments included: a manifest never needs one.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    return { ok: false, problems: [packageProblem('scorm.import.doctype', { file: 'imsmanifest.xml' })] };
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    return {
      ok: false,
      problems: [
        packageProblem('scorm.import.badXml', { file: 'imsmanifest.xml', params: { line: valid.err.line, column: valid.err.col } }),
      ],
    };
  }
  let parsed: XmlNode;
  try {
    parsed = parser.parse(text) as XmlNode;
  } catch {
    return { ok: false, problems: [packageProblem('scorm.import.badXml', { file: 'imsmanifest.xml', params: { line: 1, column: 1 } })] };
  }
  const root = children(parsed, 'manifest')[0];
  if (!root) return { ok: false, problems: [packageProblem('scorm.import.notManifest', { file: 'imsmanifest.xml' })] };
  return { ok: true, root, text };
}

const asNode = (value: unknown): XmlNode =>
  typeof value === 'object' && value !== null ? (value as XmlNode) : { '#text': value === undefined ? '' : String(value) };

/** Child elements with this local name, in document order. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? value.map(asNode) : [];
}

/** The first descendant reached by following local names, e.g. `path(item, 'sequencing', 'objectives')`. */
export function path(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) current = children(current, name)[0];
  return current;
}

/** An attribute by local name (`base` for xml:base), entities decoded; null when absent. */
export function attr(node: XmlNode | undefined, name: string): string | null {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? decodeXmlEntities(value) : null;
}

/** The element's text, trimmed, entities decoded; '' when empty. */
export function text(node: XmlNode | undefined): string {
  const value = node?.['#text'];
  return typeof value === 'string' || typeof value === 'number' ? decodeXmlEntities(String(value)).trim() : '';
}

/** Only XML's five predefined entities and character references: all a DTD-less document has. */
export function decodeXmlEntities(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (match, ref: string) => {
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}
