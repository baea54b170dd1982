/**
 * How long a writer that lost the race for the branch waits before it reads the branch again.
 *
 * Full jitter: the wait is drawn evenly from [0, window), the window counted in the lost attempt's own
 * duration (from reading the tip to the refusal: how long a writer holds its slot on the branch, which
 * grows as the server slows). Writers cannot see each other, only the commits that land; two things
 * size the window for the writers still waiting:
 * - it opens at 4 attempts (not 1): when many writers start together (one pipeline fanning out), all
 *   but one lose the first round, and retrying within a single attempt's time only repeats the pile-up;
 * - it doubles after each further loss, and grows 6× instead when the last read of the branch showed
 *   more than one commit landed since the read before (the branch is crowded: many writers are waiting).
 * It is at most 16 attempts' time (a wider one left the branch idle at the end of a crowded run) and 30 s.
 * A lone collision of two writers costs the loser about 2 attempts' time of waiting on average.
 */
export class RetryBackoff {
  private windowAttempts = 0;
  private crowded = false;

  constructor(private readonly random: () => number = Math.random) {}

  /** What the latest read of the branch showed: whether more than one commit landed since the read before it. */
  observeCrowded(crowded: boolean): void {
    this.crowded = crowded;
  }

  /** The wait (ms) after a lost attempt that took `attemptMs`. */
  nextWaitMs(attemptMs: number): number {
    this.windowAttempts =
      this.windowAttempts === 0
        ? FIRST_WINDOW
        : Math.min(MAX_WINDOW, this.windowAttempts * (this.crowded ? CROWDED_GROWTH : GROWTH));
    const ceiling = Math.min(MAX_WAIT_MS, Math.max(MIN_ATTEMPT_MS, attemptMs) * this.windowAttempts);
    return Math.round(this.random() * ceiling);
  }
}

/** Windows in attempt durations: the first, the growth after a loss, after a loss on a crowded branch, and the largest. */
const FIRST_WINDOW = 4;
const GROWTH = 2;
const CROWDED_GROWTH = 6;
const MAX_WINDOW = 16;
const MIN_ATTEMPT_MS = 50;
const MAX_WAIT_MS = 30_000;
