/**
 * A URL as a message shows it: origin and path only. Its query (a token service's scope, a signed
 * redirect's signature) and fragment are left out.
 */
export function withoutQuery(url: string | URL): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.origin}${parsed.pathname}`;
}
