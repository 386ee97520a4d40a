/**
 * Action IDs of the buttons on a release's summary and its DMs. Each button's value is the
 * release id ("12"); RELEASE_LIFT's is "<id>:<user whose hold it lifts>".
 */
export const RELEASE_ACK = 'release_ack';
export const RELEASE_HOLD = 'release_hold';
export const RELEASE_LIFT = 'release_lift';
export const RELEASE_SHIP = 'release_ship';
export const RELEASE_EDIT = 'release_edit';
export const RELEASE_REFRESH = 'release_refresh';
export const RELEASE_CANCEL = 'release_cancel';
/** Every button above, as the request screen (src/slack/request-shape.ts) knows them. */
export const RELEASE_ACTIONS: readonly string[] = [
  RELEASE_ACK,
  RELEASE_HOLD,
  RELEASE_LIFT,
  RELEASE_SHIP,
  RELEASE_EDIT,
  RELEASE_REFRESH,
  RELEASE_CANCEL,
];
/** Modal callback IDs; the view's private_metadata is the release id. */
export const HOLD_VIEW = 'release_hold_view';
export const FIELDS_VIEW = 'release_fields_view';
export const RELEASE_VIEWS: readonly string[] = [HOLD_VIEW, FIELDS_VIEW];
