import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ciWakeKeys } from '../core/ci/wake';
import { parsePush, parseTagEvent } from '../core/github-push';
import { type PullEvent, parsePullRequestEvent } from '../core/review/pull-info';
import type { AutoReleases } from '../services/auto-release';
import type { AutoDeploys } from '../services/auto-deploy';
import type { SignatureCheck } from './github-signature';
import type { BodyHandler } from './server';

export interface GitHubWebhookDeps {
  /** Checks X-Hub-Signature-256 against the webhook's secret (and the previous one, while it is rotated): github-signature.ts. */
  signatureValid: SignatureCheck;
  /** Records a delivery ID; false when it was recorded before (a redelivery). */
  firstDelivery: (id: string) => Promise<boolean>;
  /** Forgets a delivery whose work failed, so GitHub's "Redeliver" does it again (the work's own keys keep it from doing anything twice). */
  forgetDelivery?: (id: string) => Promise<void>;
  autoDeploys: Pick<AutoDeploys, 'push'>;
  /** `auto_release:`: a new tag (push or create) or a published release opens releases (absent: such events are ignored). */
  autoReleases?: Pick<AutoReleases, 'handle'>;
  /** `review_apps:`: a `pull_request` event deploys, redeploys or tears down its review app (absent: such events are ignored). */
  pullRequests?: (ev: PullEvent, delivery: string, log: Logger) => Promise<void>;
  /** A commit's checks changed (check_run completed, status): deploys of that SHA waiting for checks look again now. */
  checksChanged?: (repo: string, sha: string) => Promise<number>;
  /** Wakes the workers following the CI runs a webhook is about (keys from core/ci/wake.ts); absent: no env deploys through CI. */
  ciWake?: (keys: string[]) => Promise<void>;
  log: Logger;
  /** Work done after the answer (tests await it). */
  background?: (work: Promise<unknown>) => void;
}

/**
 * POST /github/webhook: checks the signature (X-Hub-Signature-256) over the body, takes each
 * delivery once (X-GitHub-Delivery, recorded in Redis), answers at once (GitHub waits 10 s at
 * most) and then does the work: a `push` deploys to the envs that follow its branch.
 */
export function createGitHubWebhook(d: GitHubWebhookDeps): BodyHandler {
  /**
   * Takes the delivery once (a redelivery is answered "already handled"), answers at once, then
   * does the work; work that fails forgets the delivery, so GitHub's "Redeliver" does it again.
   */
  const once = async (res: ServerResponse, delivery: string, what: string, work: (log: Logger) => Promise<unknown>): Promise<void> => {
    if (!(await d.firstDelivery(delivery))) return send(res, 200, 'already handled');
    send(res, 202, 'accepted');
    const log = d.log.child({ delivery });
    const done = work(log).catch(async (err: Error) => {
      log.error({ err: err.message }, `${what} not handled; redeliver it from GitHub to try again`);
      await d.forgetDelivery?.(delivery).catch(() => {});
    });
    d.background?.(done);
  };
  return {
    async handle(req, res, body) {
      const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const signature = header('x-hub-signature-256');
      if (!signature)
        return send(
          res,
          401,
          "Missing X-Hub-Signature-256: set the webhook's secret in GitHub (Settings -> Webhooks) to GITHUB_WEBHOOK_SECRET.",
        );
      if (!(await d.signatureValid(body, signature))) {
        d.log.warn({ delivery: header('x-github-delivery') }, 'GitHub webhook with a bad signature');
        return send(
          res,
          401,
          "Bad signature: X-Hub-Signature-256 does not match this body and Ferry's GITHUB_WEBHOOK_SECRET; the webhook's secret in GitHub must be the same.",
        );
      }
      const event = header('x-github-event');
      const delivery = header('x-github-delivery');
      if (!event || !delivery) return send(res, 400, 'Missing X-GitHub-Event or X-GitHub-Delivery.');
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, 400, "The body is not JSON: set the webhook's content type to application/json.");
      }
      if (event === 'ping') return send(res, 200, 'pong');
      // A CI run changed (workflow_run, workflow_job, deployment_status, check_run...): its follower looks now.
      const wakes = d.ciWake ? ciWakeKeys(event, payload) : [];
      if (wakes.length) {
        const work = d.ciWake!(wakes).catch((err: Error) => d.log.warn({ delivery, err: err.message }, 'could not wake the CI followers'));
        d.background?.(work);
        if (CI_ONLY_EVENTS.has(event)) return send(res, 202, 'accepted');
      }
      const changed = checksEvent(event, payload);
      if (changed && d.checksChanged) {
        // No delivery record needed: waking a waiting deploy twice only makes it look twice.
        send(res, 202, 'accepted');
        const work = d
          .checksChanged(changed.repo, changed.sha)
          .catch((err: Error) => d.log.error({ delivery, err: err.message }, 'checks event not handled'));
        d.background?.(work);
        return;
      }
      // A pull request opened, pushed to, closed...: its review app.
      if (event === 'pull_request' && d.pullRequests) {
        const ev = parsePullRequestEvent(payload);
        if (typeof ev === 'string') return send(res, 400, `Not a pull_request payload: ${ev}.`);
        const pullRequests = d.pullRequests;
        return once(res, delivery, `GitHub pull_request (${ev.action}) of #${ev.pull.number}`, (log) => pullRequests(ev, delivery, log));
      }
      // A new tag (its push, or its create) or a published release: auto_release. A branch push goes on below.
      const tag = d.autoReleases ? parseTagEvent(event, payload) : undefined;
      if (typeof tag === 'string') return send(res, 400, `Not a ${event} payload: ${tag}.`);
      if (tag && d.autoReleases) {
        const autoReleases = d.autoReleases;
        return once(res, delivery, `GitHub ${event} of the tag ${tag.tag}`, (log) => autoReleases.handle(tag, log));
      }
      if (event !== 'push') return send(res, 202, `ignored: ${event}`);
      const push = parsePush(payload);
      if (typeof push === 'string') return send(res, 400, `Not a push payload: ${push}.`);
      return once(res, delivery, 'GitHub push', (log) => d.autoDeploys.push(push, delivery, log));
    },
  };
}

/** A `check_run` that completed, or a commit `status`: which repository and SHA; undefined for anything else. */
export function checksEvent(event: string, payload: unknown): { repo: string; sha: string } | undefined {
  const p = payload as { action?: string; sha?: string; check_run?: { head_sha?: string }; repository?: { full_name?: string } } | null;
  const repo = p?.repository?.full_name;
  const sha = event === 'status' ? p?.sha : event === 'check_run' && p?.action === 'completed' ? p.check_run?.head_sha : undefined;
  return typeof repo === 'string' && typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? { repo, sha } : undefined;
}

/** Events Ferry reads only to follow CI runs (anything else about them is ignored). */
const CI_ONLY_EVENTS = new Set(['workflow_run', 'workflow_job', 'deployment_status', 'check_suite']);

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
