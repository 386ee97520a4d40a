import { FIELDS_VIEW, HOLD_VIEW } from './actions';
import type { Release, ReleaseFields } from './types';

/** Where a modal came from: the release, and the DM message to bring up to date after it (if clicked there). */
export interface ViewOrigin {
  id: number;
  channel?: string;
  ts?: string;
}

export const HOLD_REASON_MAX = 500;
const FIELD_MAX = 2_000;

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** The Hold… modal: one required reason. */
export function holdView(r: Pick<Release, 'id' | 'to'>, origin: ViewOrigin): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: HOLD_VIEW,
    private_metadata: JSON.stringify(origin),
    title: plain(`Hold release #${r.id}`.slice(0, 24)),
    submit: plain('Hold'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Why must it wait?'),
        hint: plain(`Everyone sees this on the release. It doesn't ship to ${r.to} until you (or an admin) lift the hold.`.slice(0, 150)),
        element: {
          type: 'plain_text_input',
          action_id: 'reason',
          multiline: true,
          min_length: 3,
          max_length: HOLD_REASON_MAX,
          placeholder: plain('e.g. QA found a checkout bug in #481'),
        },
      },
    ],
  };
}

export const DEPLOY_TYPES = ['Regular', 'Hotfix', 'Config only', 'Database migration'] as const;

const FIELD_INPUTS: { key: keyof ReleaseFields; label: string; multiline: boolean; placeholder: string }[] = [
  { key: 'description', label: 'Description', multiline: true, placeholder: 'What this release brings, for people outside the team' },
  { key: 'version', label: 'Version', multiline: false, placeholder: 'e.g. 2026.11.3' },
  { key: 'backout', label: 'Backout plan', multiline: true, placeholder: 'How to undo it if it goes wrong' },
  { key: 'configChanges', label: 'Config changes', multiline: true, placeholder: 'Settings or secrets to change with it, or none' },
];

/** The release details modal, filled with what the release holds now (the backout plan starts as the rollback). */
export function fieldsView(r: Pick<Release, 'id' | 'fields'>, origin: ViewOrigin): Record<string, unknown> {
  const option = (t: string) => ({ text: plain(t), value: t });
  const type = r.fields.deployType;
  return {
    type: 'modal',
    callback_id: FIELDS_VIEW,
    private_metadata: JSON.stringify(origin),
    title: plain(`Release #${r.id} details`.slice(0, 24)),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      ...FIELD_INPUTS.slice(0, 2).map((f) => input(f, r.fields[f.key])),
      {
        type: 'input',
        block_id: 'deployType',
        optional: true,
        label: plain('Deploy type'),
        element: {
          type: 'static_select',
          action_id: 'deployType',
          options: DEPLOY_TYPES.map(option),
          ...(type && (DEPLOY_TYPES as readonly string[]).includes(type) && { initial_option: option(type) }),
        },
      },
      ...FIELD_INPUTS.slice(2).map((f) => input(f, r.fields[f.key])),
    ],
  };
}

function input(f: (typeof FIELD_INPUTS)[number], value: string | undefined): Record<string, unknown> {
  return {
    type: 'input',
    block_id: f.key,
    optional: true,
    label: plain(f.label),
    element: {
      type: 'plain_text_input',
      action_id: f.key,
      multiline: f.multiline,
      max_length: FIELD_MAX,
      placeholder: plain(f.placeholder),
      ...(value && { initial_value: value }),
    },
  };
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;

/** The submitted details; empty inputs clear their field. */
export function fieldsFromState(values: StateValues): ReleaseFields {
  const out: ReleaseFields = {};
  for (const f of FIELD_INPUTS) {
    const v = values[f.key]?.[f.key]?.value?.trim();
    if (v) out[f.key] = v.slice(0, FIELD_MAX);
  }
  const type = values.deployType?.deployType?.selected_option?.value;
  if (type && (DEPLOY_TYPES as readonly string[]).includes(type)) out.deployType = type;
  return out;
}

/**
 * Whether a details form came with none of its inputs. Slack sends every input of the modal (empty
 * ones as null), so such a submission is not of this form: saving it would clear every field.
 */
export function fieldsFormMissing(values: StateValues): boolean {
  return ![...FIELD_INPUTS.map((f) => f.key), 'deployType'].some((k) => Object.hasOwn(values, k) && Object.hasOwn(values[k]!, k));
}

/** The reason typed in the Hold… modal, or the problem with it. */
export function holdReasonFromState(values: StateValues): { reason: string } | { error: string } {
  const reason = values.reason?.reason?.value?.trim() ?? '';
  if (reason.length < 3) return { error: 'Say why it must wait (at least a few words), so its authors know what to fix.' };
  return { reason: reason.slice(0, HOLD_REASON_MAX) };
}

/** The origin a modal carried, or undefined when it isn't one of ours. */
export function viewOrigin(metadata: string | undefined): ViewOrigin | undefined {
  try {
    const o = JSON.parse(metadata ?? '') as Partial<ViewOrigin>;
    return typeof o.id === 'number' && Number.isInteger(o.id)
      ? { id: o.id, ...(typeof o.channel === 'string' && { channel: o.channel }), ...(typeof o.ts === 'string' && { ts: o.ts }) }
      : undefined;
  } catch {
    return undefined;
  }
}
