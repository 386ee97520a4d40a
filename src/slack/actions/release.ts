import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import {
  RELEASE_ACK,
  RELEASE_CANCEL,
  RELEASE_EDIT,
  RELEASE_HOLD,
  RELEASE_LIFT,
  RELEASE_REFRESH,
  RELEASE_SHIP,
} from '../../core/release/actions';
import { fieldsView, holdView, type ViewOrigin } from '../../core/release/views';
import type { ReleaseFeed } from '../../feed/release-feed';
import type { ArrivalOrder, Place } from '../../services/arrival-order';
import type { Answer } from '../../services/queue-deploy';
import type { ReleaseService } from '../../services/releases';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

export interface ReleaseActionDeps {
  releases: ReleaseService;
  feed: ReleaseFeed;
  log: Logger;
  limiter: Limiter;
  /** Ship's place in the target env's line is taken when the click arrives. */
  arrivals: ArrivalOrder;
}

type Click = BlockAction<ButtonAction>;

/** The release id a button carries ("12", or "12:U…" for Lift hold). */
const releaseId = (value: string | undefined): number | undefined => {
  const head = (value ?? '').split(':')[0]!;
  const id = /^\d{1,15}$/.test(head) ? Number(head) : 0;
  return id > 0 ? id : undefined;
};

/** Where the click came from, so a DM's own message can be brought up to date after it. */
function origin(body: Click, id: number): ViewOrigin {
  const channel = body.container?.channel_id ?? body.channel?.id;
  const ts = body.container?.message_ts ?? body.message?.ts;
  return { id, ...(channel?.startsWith('D') && ts && { channel, ts }) };
}

/**
 * A DM (not the feed's summary, which the service keeps up to date) shows the clicker's own state
 * after a click in it: their OK recorded, or the release's new status.
 */
export async function updateDm(
  client: WebClient,
  d: Pick<ReleaseActionDeps, 'releases' | 'feed' | 'log'>,
  o: ViewOrigin,
  user: string,
): Promise<void> {
  if (!o.channel || !o.ts) return;
  const r = await d.releases.get(o.id);
  const author = r?.authors.find((a) => a.slack === user);
  if (!r || !author) return;
  await client.chat
    .update({ channel: o.channel, ts: o.ts, ...(await d.feed.authorDm(r, author)) })
    .catch((err: Error) => d.log.warn({ err: err.message }, 'could not update the release DM'));
}

/**
 * The buttons on a release's summary and DMs: OK to ship, Hold… (a modal asks why), Lift hold,
 * Ship, Edit details (a modal), Refresh (a stale release), Cancel. Each acks at once; the work runs
 * after, and every one is safe to click twice.
 */
export function registerReleaseActions(app: App, d: ReleaseActionDeps): void {
  type Work = (id: number, user: string, body: Click, value: string, place: Place | undefined) => Promise<Answer>;
  const button = (actionId: string, work: Work, opts: { dm?: boolean; deploys?: boolean } = {}) =>
    app.action<Click>(actionId, async ({ action, body, ack, respond, client }) => {
      const id = releaseId(action.value);
      const log = d.log.child({ action: actionId, user: body.user.id, releaseId: id });
      // A click that may queue a deploy takes its place in line as it arrives (its env is found later).
      const place = opts.deploys ? d.arrivals.arrive() : undefined;
      const answered = answerAfterAck(
        respond,
        log,
        d.limiter,
        async () => {
          if (id === undefined) return { text: 'That button is not for a release I know.' };
          const a = await work(id, body.user.id, body, action.value ?? '', place);
          if (opts.dm) await updateDm(client, d, origin(body, id), body.user.id);
          return a;
        },
        place,
      );
      await ack();
      await answered;
    });

  button(RELEASE_ACK, (id, user) => d.releases.ack(id, user), { dm: true });
  button(RELEASE_LIFT, (id, user, _b, value) => d.releases.lift(id, user, value.split(':')[1] ?? ''));
  button(RELEASE_SHIP, (id, user, _b, _v, place) => d.releases.ship(id, user, place), { deploys: true });
  button(RELEASE_CANCEL, (id, user) => d.releases.cancel(id, user));
  button(RELEASE_REFRESH, (id, user, body) => d.releases.refresh(id, user, `refresh:${id}:${body.trigger_id}`));

  // Modals must open within 3 s of the click (the trigger expires), so they open right after the ack.
  const modal = (
    actionId: string,
    view: (r: NonNullable<Awaited<ReturnType<ReleaseService['get']>>>, o: ViewOrigin) => Record<string, unknown>,
  ) =>
    app.action<Click>(actionId, async ({ action, body, ack, respond, client }) => {
      await ack();
      const id = releaseId(action.value);
      const r = id === undefined ? undefined : await d.releases.get(id);
      const log = d.log.child({ action: actionId, user: body.user.id, releaseId: id });
      if (!r) return answerAfterAck(respond, log, d.limiter, async () => ({ text: 'That button is for a release I no longer have.' }));
      if (r.status !== 'open' && r.status !== 'shipping')
        return answerAfterAck(respond, log, d.limiter, async () => ({ text: `Release #${r.id} is ${r.status}; it can't change now.` }));
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: view(r, origin(body, r.id)) as never });
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not open the modal');
        await answerAfterAck(respond, log, d.limiter, async () => ({
          text: 'Slack did not let me open the form in time; click the button again.',
        }));
      }
    });
  modal(RELEASE_HOLD, holdView);
  modal(RELEASE_EDIT, fieldsView);
}
