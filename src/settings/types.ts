import type { ImageSetting } from '../image/image-arg.js';
import type { TargetSpec } from './target-spec.js';

/** The typed settings of a run, read and checked once by settings.ts; every other module takes them as parameters. */
export type DowngradePolicy = 'fail' | 'skip' | 'allow';

export type PushMode = 'direct' | 'merge-request';

export interface MergeRequestSettings {
  branchTemplate: string;
  labels: string[];
  draft: boolean;
  autoMerge?: 'auto_merge' | 'merge_when_pipeline_succeeds';
}

export interface ImageSettings {
  /** The arguments as given, for messages. */
  imageArgs: string[];
  images: ImageSetting[];
  onDowngrade: DowngradePolicy;
  json: boolean;
}

export type VerifyMode = 'off' | 'warn' | 'require';

/** A platform of an image index, as `--require-platform` names it: os/architecture[/variant]. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** What the registry is asked about the new images before the push (src/registry/). */
export interface RegistrySettings {
  verifyImage: VerifyMode;
  pinDigest: boolean;
  requirePlatforms: Platform[];
}

export interface PushSettings extends ImageSettings {
  command: 'push';
  /** What to edit, relative to the repository root. */
  targets: TargetSpec;
  /** The target environments named (also with --skip-overlay). */
  environments: string[];
  overlaysDir: string;
  serverUrl: string;
  project: string;
  branch?: string;
  tokenVariable: string;
  messageTemplate: string;
  author: { name: string; email: string };
  dryRun: boolean;
  maxAttempts: number;
  timeoutSeconds: number;
  keepWorkdir?: string;
  mode: PushMode;
  fallbackToMergeRequest: boolean;
  mergeRequest: MergeRequestSettings;
  skipCi: boolean;
  reportFile?: string;
  expiryWarningDays: number;
  provenance: string[];
  registry: RegistrySettings;
}

export interface EditSettings extends ImageSettings {
  command: 'edit';
  /** What to edit, relative to the working directory. */
  targets: TargetSpec;
}

export type Settings = PushSettings | EditSettings | { command: 'help' | 'version'; topic?: 'push' | 'edit' };

/** The token as the environment holds it; push/token.ts checks it. */
export interface TokenInput {
  variable: string;
  value?: string;
  /** This job's CI_JOB_TOKEN, which cannot push to another project. */
  ciJobToken?: string;
  /** When the named variable is unset: a variable whose value is that name (the name given was a value). */
  holderOfName?: string;
}

/** What a push takes from the process environment besides its options. */
export interface PushEnvironment {
  token: TokenInput;
  /** CI_SERVER_TLS_CA_FILE: the CA bundle for the GitLab server, for git and the expiry lookup. */
  caFile?: string;
  /** The job's variables git may see (PATH, proxies, CA bundles, locale). */
  gitBase: Record<string, string>;
  /** CI_PROJECT_PATH: the project whose pipeline runs, for job-token pushes (own or another project). */
  pipelineProject?: string;
  /** What the image verification may use; absent with --verify-image off. */
  registry?: RegistryEnvironment;
}

/** One registry's login, from DOCKER_AUTH_CONFIG or CI_REGISTRY_USER/CI_REGISTRY_PASSWORD. */
export interface RegistryLogin {
  username: string;
  password: string;
  /** Where it was read, for messages: `DOCKER_AUTH_CONFIG auths["registry.example.com"]`. */
  source: string;
}

/** DOCKER_AUTH_CONFIG as the runner's convention writes it, read down to what can be used here. */
export interface DockerAuthConfig {
  /** Keyed by registry host[:port] (URLs and index.docker.io normalised). */
  auths: Record<string, RegistryLogin>;
  /** Hosts whose credentials a helper program holds, which this job cannot run (credHelpers). */
  helperHosts: Record<string, string>;
  /** credsStore: every registry's credentials in a helper program. */
  credsStore?: string;
}

/** What the registry client takes from the environment. */
export interface RegistryEnvironment {
  authConfig?: DockerAuthConfig;
  /** Why DOCKER_AUTH_CONFIG could not be read (in warn mode the run goes on without it). */
  authConfigProblem?: string;
  /** CI_REGISTRY (host[:port]) and the job's login for it. */
  ciRegistry?: { host: string; login?: RegistryLogin };
  /** CI_SERVER_TLS_CA_FILE, trusted for registries too. */
  caFile?: string;
  /** NODE_EXTRA_CA_CERTS: Node adds it to its own CAs, which a CA list of the registry's replaces. */
  nodeExtraCaFile?: string;
}
