/**
 * A newcomer follows the README and nothing else: the quick start's GitOps overlay, token, variable and
 * include, run as a tag pipeline by gitlab-ci-local against the GitLab-like test server, bump the image;
 * the CLI's first example runs as written; the Development section's commands exist.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  createProjectRepo,
  createWorkspace,
  runPipeline,
  SELF_INCLUDE,
  type Workspace,
} from './support/gitlab-ci-local.js';
import { Role, startGitLabServer, type GitLabServer } from './support/gitlab-server.js';
import { createGitOpsProject, defaultGitOpsFiles, readServerFile, serverLog } from './support/gitops-repo.js';
import { baseEnv, CLI } from './support/run-cli.js';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The text of a `## ` section of the README. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README section ${title}`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}
const blocks = (text: string, language: string) =>
  [...text.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1]!);

describe('the quick start in a pipeline', () => {
  const quickStart = section('Quick start in a pipeline');
  const [overlay, ciConfig] = blocks(quickStart, 'yaml') as [string, string];
  const include = parse(ciConfig) as { include: { component: string; inputs: Record<string, string> }[] };
  const { project, app_name: appName } = include.include[0]!.inputs;
  const tag = /Push a tag `([^`]+)`/.exec(quickStart)?.[1];
  const variable = /key `([A-Z_]+)`/.exec(quickStart)?.[1];
  const token = 'readme-quickstart-token-4c1f9e2d';

  let server: GitLabServer;
  let workspace: Workspace;
  let app: string;

  beforeAll(async () => {
    [server, workspace] = await Promise.all([startGitLabServer(), createWorkspace()]);
    // The GitOps project as the quick start describes it: the overlay as shown, over a base whose
    // deployment runs the image.
    const deployment = defaultGitOpsFiles()['manifests/base/deployment.yaml']!;
    const base = deployment.split('---\n')[0]!.replace(/image: \S+/, `image: ${appName}:1.4.1`);
    await createGitOpsProject(server, project!, {
      files: { 'manifests/base/deployment.yaml': base, 'manifests/overlays/prod/kustomization.yaml': overlay },
    });
    // Step 1: a project access token of the GitOps project, write_repository, role Developer.
    server.addToken({
      value: token,
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project!],
      role: Role.developer,
    });
    // Step 3: the include in the application project. gitlab-ci-local resolves a component only from
    // the repository it runs in, so the include names this commit instead of the catalog release.
    expect(include.include[0]!.component).toMatch(
      /^\$CI_SERVER_FQDN\/gitops-image-bump\/gitops-image-bump\/image-bump@\d+\.\d+\.\d+$/,
    );
    app = await createProjectRepo(workspace, 'team-app', {
      remote: `${server.url}/team/app.git`,
      ciConfig: ciConfig.replace(include.include[0]!.component, SELF_INCLUDE),
    });
  });
  afterAll(async () => {
    await server?.close();
    await workspace?.cleanup();
  });

  it('names the project, the image, the tag and the variable it uses', () => {
    expect(project).toBe('team/gitops');
    expect(overlay).toContain(`name: ${appName}`);
    expect(tag).toMatch(/^\d+\.\d+\.\d+$/);
    // Step 2: the variable the component reads by default.
    expect(variable).toBe('GITLAB_PUSHER_TOKEN');
  });

  it('bumps the overlay on the GitOps project from a tag pipeline', async () => {
    // Step 2's protected variable exists in a tag pipeline, which is where the job runs.
    // registry.example.com does not exist: the registry check (warn by default) would only report that.
    const result = await runPipeline(workspace, app, {
      variables: {
        [variable!]: token,
        CI_COMMIT_TAG: tag!,
        CI_COMMIT_REF_PROTECTED: 'true',
        IMAGE_BUMP_VERIFY_IMAGE: 'off',
      },
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toMatch(/PASS +image-bump-prod\b/);
    expect(result.output).not.toMatch(/warning:/);
    expect(result.output).toContain(`+    newTag: ${tag}`);
    expect(result.output).not.toContain(token);
    // As `kustomize edit set image <name>=<name>:<tag>` would: newName and newTag, nothing else touched.
    expect(await readServerFile(server, project!, 'main', 'manifests/overlays/prod/kustomization.yaml')).toBe(
      overlay.replace('    newTag: 1.4.1\n', `    newName: ${appName}\n    newTag: ${tag}\n`),
    );
    const [commit] = await serverLog(server, project!, 'main');
    expect(commit!.subject).toBe(`[auto ci] Update ${appName} image to ${appName}:${tag}`);
  });

  it.each([
    ['a merge-request pipeline', { CI_PIPELINE_SOURCE: 'merge_request_event' }],
    ['a pipeline of the protected default branch, where there is no tag', { CI_COMMIT_REF_PROTECTED: 'true' }],
    [
      'a pipeline of an unprotected tag, where the protected variable is absent',
      { CI_COMMIT_TAG: '1.4.3', CI_COMMIT_REF_PROTECTED: 'false' },
    ],
  ])('has no job in %s, as the README says', async (_name, variables) => {
    const result = await runPipeline(workspace, app, { args: ['--list'], variables });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).not.toMatch(/^image-bump-prod\s/m);
  });
});

describe('the CLI section', () => {
  it('runs its edit example as written on a GitOps checkout', async () => {
    const command = blocks(section('CLI'), 'sh')[0]!
      .split('\n')
      .find((line) => line.startsWith('gitops-image-bump edit '))!;
    const args = command
      .replace(/ \[--image \.\.\.\]$/, '')
      .split(' ')
      .slice(1);
    const dir = await mkdtemp(join(tmpdir(), 'readme-cli-'));
    try {
      for (const [path, content] of Object.entries(defaultGitOpsFiles())) {
        await mkdir(join(dir, path, '..'), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      const run = await execa(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: baseEnv(),
        extendEnv: false,
        reject: false,
        all: true,
      });
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).not.toMatch(/warning:/);
      expect(await readFile(join(dir, 'manifests/overlays/prod/kustomization.yaml'), 'utf8')).toContain(
        'newTag: v1.2.3',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the Development section', () => {
  it('uses only scripts package.json has', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts);
    const development = section('Development');
    expect(blocks(development, 'sh')[0]).toMatch(/^npm ci && npm run demo\b[^\n]*\nnpm test\b/);
    for (const [, name] of readme.matchAll(/npm run (\w+)/g)) expect(scripts, `npm run ${name}`).toContain(name);
  });
});
