import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { PullInfo } from '../core/review/review-app';
import type { Queues } from '../queue/queues';
import type { CommitSource } from '../source/types';
import type { DeployStore } from '../store/deploys';
import type { ReviewAppStore } from '../store/review-apps';
import type { DeployRequests } from './queue-deploy';

/** What review apps use (services/review-apps.ts, review-life.ts, review-reconcile.ts). */
export interface ReviewDeps {
  config: FerryConfig;
  store: ReviewAppStore;
  deploys: Pick<DeployStore, 'get'>;
  requests: Pick<DeployRequests, 'request'>;
  /** Cancels a deploy on Ferry's (or a person's) behalf, without a permission check (CancelService.stop). */
  stop: (deployId: number, by: string) => Promise<unknown>;
  /** GitHub's pull requests (source/github-pulls.ts). */
  pulls: {
    get(repo: string, number: number): Promise<PullInfo | undefined>;
    listOpen(repo: string): Promise<PullInfo[]>;
  };
  /** Resolves a ref a person names (`/deploy pr-42 <ref>`). */
  sources: Record<string, Pick<CommitSource, 'resolveRef'>>;
  /** Whether the person may deploy there (review_apps.permissions.deploy): the refusal's text, or undefined. Audited. */
  mayDeploy: (user: string, app: string, env: string) => Promise<string | undefined>;
  timers: Pick<Queues, 'reviewTimer'>;
  /** Brings the review app's PR comment and feed message up to date (best effort: logged when it fails). */
  show: (app: string, pr: number) => Promise<void>;
  /** Marks deploy #id's GitHub deployment inactive (the review app is gone). */
  retire: (deployId: number) => Promise<void>;
  log: Logger;
  now?: () => number;
}
