/**
 * Vitest global setup: bundles src/ into test/.build/image-bump.mjs before any test runs, so the CLI
 * tests exercise the source as it is now. The committed dist/ is checked separately by dist.test.ts.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ESM build script without type declarations
import { buildOptions } from '../../scripts/build.mjs';

export const BUILT_CLI = fileURLToPath(new URL('../.build/image-bump.mjs', import.meta.url));

export default async function setup(): Promise<void> {
  await build({ ...buildOptions, outfile: BUILT_CLI });
}
