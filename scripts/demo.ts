/**
 * `npm run demo`: a local GitLab-like server with a GitOps project (a kustomize base and three overlays),
 * then, with the CLI built from src/:
 *   1. a release bumps app2 in prod: the diff, the commit as the server has it;
 *   2. two releases push at the same moment: both land, one after the other, history stays linear;
 *   3. a late pipeline of an older release is refused: production is not rolled back.
 * Nothing leaves 127.0.0.1.
 */
import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ESM build script without type declarations
import { buildOptions } from './build.mjs';
import { startGitLabServer, type GitLabServer } from '../test/support/gitlab-server.js';
import { createGitOpsProject, REGISTRY } from '../test/support/gitops-repo.js';
import { baseEnv } from '../test/support/run-cli.js';

const PROJECT = 'team/gitops';
const TOKEN = 'demo-project-access-token-5d1e';
const OVERLAY = 'manifests/overlays/prod/kustomization.yaml';
const started = performance.now();
// The CLI as src/ is now, bundled into a directory of the demo's own (tests may be running the test build).
const buildDir = await mkdtemp(join(tmpdir(), 'image-bump-demo-'));
const CLI = join(buildDir, 'image-bump.mjs');

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const heading = (text: string) => console.log(`\n${bold(`== ${text}`)}\n`);
const indent = (text: string) => text.replace(/^/gm, '  ');

/** One `gitops-image-bump push` into prod, as a release pipeline would run it. */
async function bump(server: GitLabServer, image: string, show = true) {
  const args = ['push', '--server-url', server.url, '--project', PROJECT, '--target-env', 'prod', '--image', image];
  if (show) console.log(`$ gitops-image-bump push --target-env prod --image ${image}`);
  return execa(process.execPath, [CLI, ...args], { env: { ...baseEnv(), GITLAB_PUSHER_TOKEN: TOKEN }, extendEnv: false, reject: false, all: true });
}

async function onServer(server: GitLabServer, args: string[]): Promise<string> {
  return (await execa('git', ['--no-pager', ...args], { cwd: server.repoPath(PROJECT) })).stdout;
}

await build({ ...buildOptions, outfile: CLI });
const server = await startGitLabServer();
let failed = false;
try {
  await createGitOpsProject(server, PROJECT);
  server.addToken({ value: TOKEN, kind: 'project', scopes: ['write_repository'], projects: [PROJECT], role: 30 });
  console.log(`A GitOps project ${PROJECT} on a local GitLab-like server (${server.url}), with a project access token`);
  console.log('(scope write_repository) in GITLAB_PUSHER_TOKEN. The prod overlay, before:\n');
  console.log(indent(await onServer(server, ['show', `main:${OVERLAY}`])));

  heading('1. A release bumps app2 in prod');
  const first = await bump(server, `${REGISTRY}/app2:v1.2.3`);
  console.log(indent(first.all ?? ''));
  console.log(`  (exit code ${first.exitCode})\n\nThe commit on the server:\n`);
  console.log(indent(await onServer(server, ['show', '--stat', '--patch', '--format=commit %H%nAuthor: %an <%ae>%n%n    %s%n', 'refs/heads/main'])));
  failed ||= first.exitCode !== 0 || /warning:/.test(first.all ?? '');

  heading('2. Two releases push at the same moment');
  console.log(`$ gitops-image-bump push --target-env prod --image ${REGISTRY}/app1:v2.0.0 &`);
  console.log(`$ gitops-image-bump push --target-env prod --image ${REGISTRY}/app2:v1.3.0 &\n`);
  const concurrent = await Promise.all([bump(server, `${REGISTRY}/app1:v2.0.0`, false), bump(server, `${REGISTRY}/app2:v1.3.0`, false)]);
  for (const run of concurrent) console.log(indent(`${(run.all ?? '').split('\n').filter((line) => /^(bumped|retry|warning|error)|moved|attempt/i.test(line)).join('\n')}   (exit code ${run.exitCode})`));
  console.log('\nBoth landed, one on top of the other; nothing was force-pushed:\n');
  console.log(indent(await onServer(server, ['log', '--format=%h %s', '-3', 'main'])));
  console.log(`\n  ${OVERLAY} now:\n`);
  console.log(indent(await onServer(server, ['show', `main:${OVERLAY}`])));
  failed ||= concurrent.some((run) => run.exitCode !== 0);

  heading('3. A late pipeline of an older release finishes last');
  const before = await onServer(server, ['rev-parse', 'main']);
  const late = await bump(server, `${REGISTRY}/app2:v1.2.4`);
  console.log(indent(late.all ?? ''));
  const after = await onServer(server, ['rev-parse', 'main']);
  console.log(`  (exit code ${late.exitCode}; main ${after === before ? 'unchanged' : 'MOVED'}: production keeps app2 v1.3.0)`);
  failed ||= late.exitCode !== 1 || after !== before;
} finally {
  await server.close();
  await rm(buildDir, { recursive: true, force: true });
}
console.log(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
process.exitCode = failed ? 1 : 0;
