/**
 * A realistic GitOps project on the test GitLab: kustomize base plus dev/staging/prod overlays with
 * commented `images:` lists, committed with a fixed author and date; and readers for the server side.
 */
import { commitFiles, FIXTURE_AUTHOR, FIXTURE_DATE, git } from './git.js';
import type { GitLabServer } from './gitlab-server.js';

export const REGISTRY = 'registry.example.com/team';
export const OVERLAYS = ['dev', 'staging', 'prod'] as const;

const deployment = (app: string, port: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app}
    spec:
      containers:
        - name: ${app}
          image: ${REGISTRY}/${app}:v1.0.0
          ports:
            - containerPort: ${port}
`;

const OVERLAY_COMMENTS: Record<(typeof OVERLAYS)[number], string> = {
  dev: 'Development overlay: bumped on every merge to main',
  staging: 'Staging overlay: bumped by the release candidate pipeline',
  prod: 'Production overlay: bumped by the release pipeline',
};

export function overlayKustomization(overlay: (typeof OVERLAYS)[number], tag = 'v1.0.0'): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# ${OVERLAY_COMMENTS[overlay]}
resources:
  - ../../base
images:
  - name: ${REGISTRY}/app1 # frontend
    newTag: ${tag}
  - name: ${REGISTRY}/app2
    newTag: ${tag}
`;
}

/** The files of the initial commit, by path. */
export function defaultGitOpsFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'README.md': "# GitOps\n\nDesired state of the team's workloads. Overlays are bumped by CI.\n",
    'manifests/base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
`,
    'manifests/base/deployment.yaml': `${deployment('app1', 8080)}---\n${deployment('app2', 9090)}`,
  };
  for (const overlay of OVERLAYS) {
    files[`manifests/overlays/${overlay}/kustomization.yaml`] = overlayKustomization(overlay);
  }
  return files;
}

export interface GitOpsProjectOptions {
  /** Default branch; `main` unless given. */
  branch?: string;
  /** Content of `manifests/overlays/<name>/kustomization.yaml` by overlay name (new names add overlays). */
  overlays?: Record<string, string>;
  /** Files replacing or adding to the default layout (applied after `overlays`); `null` removes a file. */
  files?: Record<string, string | null>;
  message?: string;
}

export interface GitOpsProject {
  project: string;
  url: string;
  gitDir: string;
  branch: string;
  /** The initial commit. */
  sha: string;
  files: Record<string, string>;
}

export async function createGitOpsProject(
  server: GitLabServer,
  project: string,
  options: GitOpsProjectOptions = {},
): Promise<GitOpsProject> {
  const branch = options.branch ?? 'main';
  const files = defaultGitOpsFiles();
  for (const [overlay, content] of Object.entries(options.overlays ?? {})) {
    files[`manifests/overlays/${overlay}/kustomization.yaml`] = content;
  }
  for (const [path, content] of Object.entries(options.files ?? {})) {
    if (content === null) delete files[path];
    else files[path] = content;
  }
  const gitDir = await server.createProject(project, { defaultBranch: branch });
  const sha = await commitFiles(gitDir, branch, files, options.message ?? 'Initial GitOps layout', {
    author: FIXTURE_AUTHOR,
    date: FIXTURE_DATE,
  });
  return { project, url: server.projectUrl(project), gitDir, branch, sha, files };
}

/** A file's exact content on the server's branch. */
export async function readServerFile(server: GitLabServer, project: string, branch: string, path: string) {
  return git(['cat-file', 'blob', `refs/heads/${branch}:${path}`], { cwd: server.repoPath(project), raw: true });
}

export async function branchTip(server: GitLabServer, project: string, branch: string): Promise<string> {
  return git(['rev-parse', '--verify', `refs/heads/${branch}`], { cwd: server.repoPath(project) });
}

export interface ServerCommit {
  sha: string;
  parents: string[];
  subject: string;
  body: string;
  authorName: string;
  authorEmail: string;
}

/** Commits reachable from the server's branch, newest first. */
export async function serverLog(server: GitLabServer, project: string, branch: string): Promise<ServerCommit[]> {
  const output = await git(['log', '--format=%H%x1f%P%x1f%s%x1f%b%x1f%an%x1f%ae%x1e', `refs/heads/${branch}`], {
    cwd: server.repoPath(project),
  });
  return output
    .split('\x1e')
    .map((entry) => entry.replace(/^\n/, ''))
    .filter(Boolean)
    .map((entry) => {
      const [sha = '', parents = '', subject = '', body = '', authorName = '', authorEmail = ''] = entry.split('\x1f');
      return { sha, parents: parents ? parents.split(' ') : [], subject, body: body.trim(), authorName, authorEmail };
    });
}
