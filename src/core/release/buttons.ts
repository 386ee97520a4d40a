/** The buttons of a release's summary and DMs (action IDs in actions.ts; values are the release id). Pure. */
import { RELEASE_ACK, RELEASE_CANCEL, RELEASE_EDIT, RELEASE_HOLD, RELEASE_LIFT, RELEASE_REFRESH, RELEASE_SHIP } from './actions';
import { type Block, plainClip, SLACK } from './budget';
import type { ReleaseState } from './state';
import type { Release, ReleasePolicy } from './types';

const plain = (text: string, max: number) => ({ type: 'plain_text', text: plainClip(text, max) });

export function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): Block {
  return { type: 'button', action_id: actionId, text: plain(text, SLACK.button), value, ...(style && { style }) };
}

/** "OK to ship" and "Hold…": what an author (or approver) answers with, on the summary and in DMs. */
export function answerButtons(r: Release): Block[] {
  return [button(RELEASE_ACK, 'OK to ship', String(r.id), 'primary'), button(RELEASE_HOLD, 'Hold…', String(r.id))];
}

function cancelButton(r: Release): Block {
  return {
    ...button(RELEASE_CANCEL, 'Cancel', String(r.id), 'danger'),
    confirm: {
      title: plain(`Cancel release #${r.id}?`, 100),
      text: plain(`Nothing ships and nobody is asked for an OK anymore. A new /release starts over.`, 300),
      confirm: plain('Cancel release', 30),
      deny: plain('Keep it', 30),
      style: 'danger',
    },
  };
}

/**
 * The summary's buttons while the release is open: OK to ship (while an OK is missing), Hold…, Ship (ready, ship: button, or an automatic ship that didn't go),
 * Edit details, Refresh (stale), Cancel, and a Lift per standing hold as far as Slack's 25
 * elements allow (numbered like the hold lines when there are several). None once it is not open.
 */
export function summaryActions(r: Release, policy: ReleasePolicy, state: ReleaseState): Block | undefined {
  if (r.status !== 'open') return undefined;
  const id = String(r.id);
  // Once every OK (and the approval) is in, nobody is asked for one: Ship is the one primary button.
  const okMissing = state.waiting.length > 0 || state.approverMissing;
  const els = okMissing ? answerButtons(r) : [button(RELEASE_HOLD, 'Hold…', id)];
  // With ship: auto a ready release ships by itself; Ship is there for when that was refused or failed.
  if (state.ready && (policy.ship === 'button' || r.shipNote !== undefined || r.lastShip !== undefined))
    els.push(button(RELEASE_SHIP, 'Ship', id, 'primary'));
  els.push(button(RELEASE_EDIT, 'Edit details', id));
  if (r.stale) els.push(button(RELEASE_REFRESH, 'Refresh', id));
  els.push(cancelButton(r));
  // Slack takes values of up to 2,000 characters; a holder that is not a Slack ID can't be lifted from here.
  state.holds.forEach((h, i) => {
    const value = `${id}:${h.user}`;
    if (els.length < SLACK.actionElements && value.length <= 2_000)
      els.push(button(RELEASE_LIFT, state.holds.length === 1 ? 'Lift hold' : `Lift hold ${i + 1}`, value));
  });
  return { type: 'actions', block_id: `release-${id}-actions`, elements: els };
}
