import type { Logger } from 'pino';
import type { AppConfig } from '../core/config/types';
import { ineligible } from '../core/review/eligibility';
import { isAround, type PullInfo, type ReviewApp } from '../core/review/review-app';
import type { ReviewDeps } from './review-deps';
import type { ReviewApps } from './review-apps';

/** How often review apps are compared with GitHub's open pull requests (besides at start). */
export const RECONCILE_EVERY_MS = 3 * 3_600_000;

/**
 * Review apps compared with GitHub's open pull requests, so that a lost webhook or a restart
 * never leaves one nobody tears down: an app whose PR is no longer open is torn down (merged or
 * closed, as GitHub says), a failed teardown is tried again, one whose label went is torn down,
 * and an open PR whose head Ferry never deployed (a lost `opened` or push) gets its deploy. A
 * review app that got a place while nobody started it (a process died in between) starts.
 * Run at start and every RECONCILE_EVERY_MS, as a timer job (retried if GitHub fails).
 */
export async function reconcileReviewApps(d: ReviewDeps, apps: ReviewApps, log: Logger): Promise<void> {
  for (const a of Object.values(d.config.apps)) {
    if (!a.reviewApps || !a.repo) continue;
    await reconcileApp(d, apps, a, log.child({ app: a.name }));
  }
}

async function reconcileApp(d: ReviewDeps, apps: ReviewApps, a: AppConfig, log: Logger): Promise<void> {
  const open = new Map((await d.pulls.listOpen(a.repo!)).map((p) => [p.number, p]));
  const known = await d.store.list(a.name, 10_000);
  const byPr = new Map(known.map((r) => [r.pr, r]));
  let changed = 0;
  for (const r of known.filter(isAround)) {
    const pull = open.get(r.pr);
    if (!pull) {
      const now = await d.pulls.get(a.repo!, r.pr);
      if (now?.state === 'open') continue; // opened again since the list was read
      await apps.life.teardown(a.name, r.pr, now?.merged ? 'merged' : 'closed', log);
      changed++;
    } else if (r.state === 'teardown-failed') {
      await apps.life.teardown(a.name, r.pr, r.gone?.reason ?? 'closed', log, r.gone?.by);
      changed++;
    } else if (ineligible(pull, a.reviewApps!) === 'label') {
      await apps.life.teardown(a.name, r.pr, 'label', log);
      changed++;
    } else if (r.state === 'waiting' && (await d.store.placeInLine(a.name, r.pr)) === undefined) {
      await apps.life.startAdmitted(a.name, [r.pr], log);
      changed++;
    } else if (r.state !== 'waiting' && r.state !== 'tearing-down' && pull.headSha !== r.headSha) {
      await apps.onPull(syntheticEvent(a, pull, 'synchronize'), `reconcile:${pull.headSha}`, log);
      changed++;
    }
  }
  for (const pull of open.values()) {
    const r = byPr.get(pull.number);
    if (r && isAround(r)) continue;
    if (!missed(pull, r) || ineligible(pull, a.reviewApps!)) continue;
    await apps.onPull(syntheticEvent(a, pull, 'opened'), `reconcile:${pull.headSha}`, log);
    changed++;
  }
  log.info({ open: open.size, known: known.length, changed }, 'review apps reconciled with GitHub');
}

/** An open PR with no review app missed one: never seen, seen closed (a lost `reopened`), or pushed to since its app went. */
function missed(pull: PullInfo, r: ReviewApp | undefined): boolean {
  if (!r) return true;
  return r.gone?.reason === 'closed' || r.gone?.reason === 'merged' || r.gone?.reason === 'label' || r.headSha !== pull.headSha;
}

function syntheticEvent(a: AppConfig, pull: PullInfo, action: string) {
  return { action, repo: a.repo!, pull, sender: pull.author };
}
