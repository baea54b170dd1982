/**
 * `npm run demo`: a local GitLab-like server with a GitOps project, one real bump with the built CLI,
 * then the diff and the commit as the server has them. Nothing leaves 127.0.0.1.
 */
import { execa } from 'execa';
import { startGitLabServer } from '../test/support/gitlab-server.js';
import { createGitOpsProject, REGISTRY } from '../test/support/gitops-repo.js';
import { baseEnv, CLI } from '../test/support/run-cli.js';

const server = await startGitLabServer();
try {
  const project = 'team/gitops';
  const token = 'demo-project-access-token-5d1e';
  await createGitOpsProject(server, project, {
    files: {
      'manifests/overlays/prod/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# Production overlay: bumped by the release pipeline
resources:
  - ../../base
images:
  - name: app1 # frontend
    newName: ${REGISTRY}/app1
    newTag: v1.0.0
  - name: app2 # API
    newName: ${REGISTRY}/app2
    newTag: v1.0.0
`,
    },
  });
  server.addToken({ value: token, kind: 'project', scopes: ['write_repository'], projects: [project], role: 30 });

  const args = ['push', '--server-url', server.url, '--project', project, '--target-env', 'prod', '--image', `app2=${REGISTRY}/app2:v1.2.3`];
  console.log(`$ GITLAB_PUSHER_TOKEN=… gitops-image-bump ${args.join(' ')}\n`);
  const run = await execa(process.execPath, [CLI, ...args], { env: { ...baseEnv(), GITLAB_PUSHER_TOKEN: token }, extendEnv: false, reject: false, all: true });
  console.log(run.all);
  console.log(`\n(exit code ${run.exitCode})\n\nThe commit on the server:\n`);
  const show = await execa('git', ['--no-pager', 'show', '--stat', '--patch', '--format=commit %H%nAuthor: %an <%ae>%n%n    %s%n', 'refs/heads/main'], { cwd: server.repoPath(project) });
  console.log(show.stdout);
  process.exitCode = run.exitCode ?? 1;
} finally {
  await server.close();
}
