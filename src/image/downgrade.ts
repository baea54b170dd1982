// The two functions, not the package index: that loads (and compiles the regular expressions of) all of semver at start-up.
import lt from 'semver/functions/lt.js';
import parse from 'semver/functions/parse.js';
import type { ImageChange } from './image-change.js';

export interface Downgrade {
  name: string;
  from: string;
  to: string;
}

/** Changes that lower a tag which reads as a semantic version before and after (a leading "v" allowed). */
export function findDowngrades(changes: readonly ImageChange[]): Downgrade[] {
  const downgrades: Downgrade[] = [];
  for (const change of changes) {
    const from = change.before?.newTag;
    const to = change.after.newTag;
    if (!from || !to || !change.changed) continue;
    const fromVersion = parse(from);
    const toVersion = parse(to);
    if (fromVersion && toVersion && lt(toVersion, fromVersion)) downgrades.push({ name: change.name, from, to });
  }
  return downgrades;
}
