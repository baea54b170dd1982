import type { request as HttpsRequest } from 'node:https';

/**
 * `request` of node:http or node:https, whichever the URL needs, loaded on first use: loading
 * node:https (and TLS with it) at start-up costs milliseconds before the clone can start, and most
 * runs ask over HTTP only beside the clone or after a failure. (node:http ignores the TLS options.)
 */
export async function requestFunction(url: URL): Promise<typeof HttpsRequest> {
  return url.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request;
}
