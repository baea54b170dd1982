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
}
