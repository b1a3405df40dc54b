import type { Request } from 'express';
import type { Config } from '../../config';

// A host name (or IPv4/IPv6 literal) with an optional port: anything else in a Host header is not
// used to build an origin (it would end up in a CSP and a stored origin).
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The host (name and port) the request's page was asked for, if it is a plain one. */
function requestHost(req: Request): string | undefined {
  const host = req.get('host');
  return host && HOST.test(host) ? host : undefined;
}

/**
 * The exact origin the request's page was served from: BASE_URL's when it is configured (behind a
 * proxy the Host header is the proxy's business), else the page's own scheme and host, else
 * BASE_URL's default.
 */
export function appOriginOf(config: Config, req: Request): string {
  if (config.baseUrlConfigured) return new URL(config.baseUrl).origin;
  const host = requestHost(req);
  return host ? `${req.protocol}://${host}` : new URL(config.baseUrl).origin;
}

/**
 * The content origin a page served on `req` frames its courses from: CONTENT_BASE_URL when set
 * (a second host name behind a proxy), else the app origin's host name on CONTENT_PORT — another
 * origin for the browser, with nothing to configure.
 */
export function contentBaseFor(config: Config, req: Request): string {
  if (config.contentBaseUrl) return config.contentBaseUrl;
  const app = new URL(appOriginOf(config, req));
  return `${app.protocol}//${app.hostname}:${config.contentPort}`;
}

export const contentOriginFor = (config: Config, req: Request): string => new URL(contentBaseFor(config, req)).origin;
