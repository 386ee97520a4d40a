import type { App } from '@slack/bolt';
import { FIELDS_VIEW, HOLD_VIEW } from '../../core/release/actions';
import { fieldsFormMissing, fieldsFromState, holdReasonFromState, viewOrigin } from '../../core/release/views';
import { withDeadline } from '../../util/deadline';
import { type ReleaseActionDeps, updateDm } from './release';

/** How long a modal's submission may take before it is acked anyway (Slack allows 3 s). */
const SUBMIT_DEADLINE_MS = 2_000;

/**
 * The Hold… and details modals' submissions. The change is a Redis script, done before the ack so
 * a refusal (the release shipped meanwhile) shows in the modal; a slow one is acked regardless.
 */
export function registerReleaseViews(app: App, d: ReleaseActionDeps): void {
  app.view(HOLD_VIEW, async ({ view, body, ack, client }) => {
    const o = viewOrigin(view.private_metadata);
    const reason = holdReasonFromState(view.state.values as never);
    if ('error' in reason) return ack({ response_action: 'errors', errors: { reason: reason.error } });
    if (!o) return ack({ response_action: 'errors', errors: { reason: 'This form is not for a release I know.' } });
    const held = d.releases.hold(o.id, body.user.id, reason.reason).catch((err: Error) => {
      d.log.error({ err: err.message, releaseId: o.id }, 'hold failed');
      return { held: false, text: "Ferry couldn't record the hold just now; try again in a moment." };
    });
    const a = await withDeadline(held, SUBMIT_DEADLINE_MS, undefined);
    if (a && !a.held) return ack({ response_action: 'errors', errors: { reason: a.text } });
    await ack();
    await held;
    await updateDm(client, d, o, body.user.id);
  });

  app.view(FIELDS_VIEW, async ({ view, body, ack }) => {
    const o = viewOrigin(view.private_metadata);
    if (!o) return ack({ response_action: 'errors', errors: { description: 'This form is not for a release I know.' } });
    if (fieldsFormMissing(view.state.values as never)) {
      return ack({
        response_action: 'errors',
        errors: { description: 'This form came without its fields, so nothing was saved. Close it and click Edit details again.' },
      });
    }
    const saved = d.releases.setFields(o.id, body.user.id, fieldsFromState(view.state.values as never)).catch((err: Error) => {
      d.log.error({ err: err.message, releaseId: o.id }, 'saving release details failed');
      return "Ferry couldn't save the details just now; try again in a moment.";
    });
    const problem = await withDeadline(saved, SUBMIT_DEADLINE_MS, undefined);
    if (problem) return ack({ response_action: 'errors', errors: { description: problem } });
    await ack();
    await saved;
  });
}
