/**
 * Round trips on a request log: which requests a step had to wait for. A request is on the critical
 * path of `last` when a chain of requests, each one sent only after the one before it was answered,
 * leads from it to `last`; requests sent while another was still out ran beside it and cost no round trip.
 */
export interface TimedRequest {
  arrivedAt: number;
  finishedAt: number;
}

/** The longest chain of strictly one-after-another requests that ends with `requests[last]` (its length). */
export function chainLength(requests: readonly TimedRequest[], last: number): number {
  const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.arrivedAt - requests[b]!.arrivedAt);
  const length = new Map<number, number>();
  for (const i of order) {
    let longest = 0;
    for (const j of order) {
      if (requests[j]!.finishedAt <= requests[i]!.arrivedAt) longest = Math.max(longest, length.get(j) ?? 0);
    }
    length.set(i, longest + 1);
  }
  return length.get(last) ?? 0;
}

/** chainLength ending with the last request that `isLast` picks (0 when there is none). */
export function chainLengthToLast<T extends TimedRequest>(
  requests: readonly T[],
  isLast: (request: T) => boolean,
): number {
  let last = -1;
  requests.forEach((request, i) => {
    if (isLast(request)) last = i;
  });
  return last === -1 ? 0 : chainLength(requests, last);
}
