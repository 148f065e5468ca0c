// XML in and out of the gateway with fast-xml-parser: bounded, validated before parsing, S3's namespace on output.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3_MAX_XML_BODY_BYTES } from '../../core/limits.ts';
import { s3Error, type S3ErrorCode } from './errors.ts';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});
// Every value stays a string (keys like "007" or "true" must not turn into numbers or booleans).
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  removeNSPrefix: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** One XML document: the declaration and `doc` (a single root element; the caller adds xmlns where S3 does). */
export function buildXml(doc: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc) as string}`;
}

/** A root element with S3's namespace attribute. */
export function withNamespace(body: Record<string, unknown>): Record<string, unknown> {
  return { '@_xmlns': S3_XMLNS, ...body };
}

/** Parses a request body; anything oversized, not well-formed or without `root` is S3's MalformedXML. */
export function parseXml(bytes: Uint8Array, root: string): Record<string, unknown> {
  if (bytes.length > S3_MAX_XML_BODY_BYTES)
    throw s3Error('MalformedXML', `the XML body is larger than ${S3_MAX_XML_BODY_BYTES} bytes`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw s3Error('MalformedXML');
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    throw s3Error('MalformedXML');
  }
  const value = (doc as Record<string, unknown>)[root];
  if (value === undefined) throw s3Error('MalformedXML', `the XML body has no ${root} element`);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** A child element's text ('' when present but empty, undefined when absent). */
export function textOf(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'object') return '';
  return String(node);
}

/** S3's XML error document for `code` on `resource` (the request path). */
export function errorXml(code: S3ErrorCode, message: string, resource: string, requestId: string): string {
  return buildXml({ Error: { Code: code, Message: message, Resource: resource, RequestId: requestId } });
}
