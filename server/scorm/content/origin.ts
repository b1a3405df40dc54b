import type { Request } from 'express';
import type { Config } from '../../config';

/**
 * The content origin a page served on `req` frames its courses from: CONTENT_BASE_URL when set
 * (a second host name behind a proxy), else the page's own host name on CONTENT_PORT — another
 * origin for the browser, with nothing to configure.
 */
export function contentBaseFor(config: Config, req: Request): string {
  return config.contentBaseUrl ?? `${req.protocol}://${req.hostname}:${config.contentPort}`;
}

export const contentOriginFor = (config: Config, req: Request): string => new URL(contentBaseFor(config, req)).origin;

/** The exact origin the request's page was served from (scheme, host name and port). */
export const appOriginOf = (req: Request): string => `${req.protocol}://${req.get('host') ?? req.hostname}`;
