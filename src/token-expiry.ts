/**
 * When the token expires, asked of GitLab's `personal_access_tokens/self` (which answers for project
 * access tokens too). Any failure means "unknown": this check never fails a bump.
 */
export type ExpiryLookup = { expiresAt: string | null } | { unknown: string };

export async function lookUpExpiry(serverUrl: string, token: string, timeoutMs = 3000): Promise<ExpiryLookup> {
  try {
    const response = await fetch(`${serverUrl}/api/v4/personal_access_tokens/self`, {
      headers: { 'PRIVATE-TOKEN': token, Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!response.ok) return { unknown: `HTTP ${response.status}` };
    const body = (await response.json()) as { expires_at?: unknown };
    return { expiresAt: typeof body.expires_at === 'string' ? body.expires_at : null };
  } catch (error) {
    return { unknown: error instanceof Error ? error.name : 'error' };
  }
}

/** Whole days until the token stops working (at 00:00 UTC on its expiry date). */
export function daysUntil(expiresAt: string, now = new Date()): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(expiresAt);
  if (!match) return undefined;
  const end = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.floor((end - now.getTime()) / 86_400_000);
}

export function expiryWarning(lookup: ExpiryLookup, tokenVariable: string, warningDays: number, now = new Date()): string | undefined {
  if (!('expiresAt' in lookup) || !lookup.expiresAt) return undefined;
  const days = daysUntil(lookup.expiresAt, now);
  if (days === undefined || days > warningDays) return undefined;
  const when = days <= 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
  return `the token in ${tokenVariable} expires on ${lookup.expiresAt.slice(0, 10)} (${when}): create a new Project Access Token on the GitOps project (scope write_repository, same role) and update ${tokenVariable} before then`;
}
