/**
 * A submitted modal's `view.state.values`, in Slack's shape, from what the page's form sent:
 * `{ "<block_id>/<action_id>": "value" | ["v1", "v2"] }`. Each element's type and options come from
 * the view itself, so an answer that isn't one of the options is dropped, as Slack would.
 */
export function viewStateValues(blocks: unknown, submitted: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (!Array.isArray(blocks)) return out;
  blocks.forEach((raw, index) => {
    const block = raw as { type?: unknown; block_id?: unknown; element?: Record<string, unknown> };
    if (block?.type !== 'input' || !block.element) return;
    const blockId = typeof block.block_id === 'string' ? block.block_id : `b${index}`;
    const el = block.element;
    const actionId = typeof el.action_id === 'string' ? el.action_id : `a${index}`;
    const given = submitted[`${blockId}/${actionId}`];
    const first = Array.isArray(given) ? given[0] : given;
    const one = typeof first === 'string' && first !== '' ? first : undefined;
    const options = (Array.isArray(el.options) ? el.options : []) as { value?: string }[];
    const option = (v: string | undefined) => (v === undefined ? null : (options.find((o) => o.value === v) ?? null));
    const type = String(el.type);
    let state: Record<string, unknown>;
    switch (type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input':
        state = { type, value: one ?? null };
        break;
      case 'static_select':
      case 'radio_buttons':
        state = { type, selected_option: option(one) };
        break;
      case 'checkboxes':
      case 'multi_static_select': {
        const list = (Array.isArray(given) ? given : one ? [one] : []).map((v) => option(String(v))).filter((o) => o !== null);
        state = { type, selected_options: list };
        break;
      }
      case 'datepicker':
        state = { type, selected_date: one ?? null };
        break;
      case 'external_select':
        state = { type, selected_option: one ? { text: { type: 'plain_text', text: one }, value: one } : null };
        break;
      case 'users_select':
        state = { type, selected_user: one ?? null };
        break;
      case 'conversations_select':
        state = { type, selected_conversation: one ?? null };
        break;
      case 'channels_select':
        state = { type, selected_channel: one ?? null };
        break;
      case 'timepicker':
        state = { type, selected_time: one ?? null };
        break;
      default:
        state = { type, value: one ?? null };
    }
    out[blockId] = { ...out[blockId], [actionId]: state };
  });
  return out;
}
