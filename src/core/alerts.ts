/** Alerts posted to POST /alerts/<app>/<env>: their bodies read into alerts, and the feed's lines about them. Pure. */
import type { FreezeState } from './gate';
import { escapeMrkdwn, mention, slackLink } from './slack-format';

export interface Alert {
  /** What tells this alert apart on its env: Alertmanager's fingerprint (one per label set), else its name. */
  key: string;
  /** `alertname` (Alertmanager), `name` (plain JSON), or "alert". */
  name: string;
  firing: boolean;
  /** The alert's summary (or description); '' when it has none. */
  summary: string;
  /** Where to see it (Alertmanager's generatorURL, or the plain body's `url`): http(s) only. */
  url?: string;
}

export type ParsedAlerts = { ok: true; format: 'alertmanager' | 'plain'; alerts: Alert[] } | { ok: false; error: string };

export const ACCEPTED_FORMATS =
  'Send JSON: either Prometheus Alertmanager\'s webhook (version "4", with an `alerts` list) or {"status": "firing" | "resolved", "summary": "...", "name": "..."} (name optional).';

const MAX_NAME = 100;
const MAX_SUMMARY = 300;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (s: string, max: number): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};
const httpUrl = (v: unknown): string | undefined =>
  typeof v === 'string' && /^https?:\/\/\S+$/i.test(v) && v.length <= 2_000 ? v : undefined;
const statusOf = (v: unknown): boolean | undefined => (v === 'firing' ? true : v === 'resolved' ? false : undefined);

/** Reads a request body (Alertmanager's webhook or Ferry's plain JSON) into alerts, or says what is wrong. */
export function parseAlerts(body: string): ParsedAlerts {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: `The body is not JSON. ${ACCEPTED_FORMATS}` };
  }
  if (!isObject(json)) return { ok: false, error: `The body is not a JSON object. ${ACCEPTED_FORMATS}` };
  if ('alerts' in json) return alertmanager(json);
  return plain(json);
}

function alertmanager(json: Record<string, unknown>): ParsedAlerts {
  if (json.version !== undefined && json.version !== '4')
    return {
      ok: false,
      error: `Alertmanager webhook version ${JSON.stringify(json.version)} is not supported (only "4"). ${ACCEPTED_FORMATS}`,
    };
  if (!Array.isArray(json.alerts)) return { ok: false, error: `\`alerts\` must be a list. ${ACCEPTED_FORMATS}` };
  const alerts: Alert[] = [];
  for (const [i, a] of json.alerts.entries()) {
    if (!isObject(a)) return { ok: false, error: `alerts[${i}] is not an object. ${ACCEPTED_FORMATS}` };
    const firing = statusOf(a.status);
    if (firing === undefined) return { ok: false, error: `alerts[${i}].status must be "firing" or "resolved". ${ACCEPTED_FORMATS}` };
    const labels = isObject(a.labels) ? a.labels : {};
    const annotations = isObject(a.annotations) ? a.annotations : {};
    const name = typeof labels.alertname === 'string' && labels.alertname.trim() ? clip(labels.alertname, MAX_NAME) : 'alert';
    const text =
      typeof annotations.summary === 'string' && annotations.summary.trim()
        ? annotations.summary
        : typeof annotations.description === 'string'
          ? annotations.description
          : '';
    const labelKey = Object.keys(labels)
      .sort()
      // JSON.stringify, not String(): a label value like {"toString": 1} would throw.
      .map((k) => `${k}=${typeof labels[k] === 'string' ? labels[k] : JSON.stringify(labels[k])}`)
      .join(',');
    const key = typeof a.fingerprint === 'string' && a.fingerprint ? `fp:${a.fingerprint}` : `labels:${labelKey}`;
    const url = httpUrl(a.generatorURL);
    alerts.push({ key, name, firing, summary: clip(text, MAX_SUMMARY), ...(url && { url }) });
  }
  return { ok: true, format: 'alertmanager', alerts };
}

function plain(json: Record<string, unknown>): ParsedAlerts {
  const firing = statusOf(json.status);
  if (firing === undefined) return { ok: false, error: `\`status\` must be "firing" or "resolved". ${ACCEPTED_FORMATS}` };
  if (json.summary !== undefined && typeof json.summary !== 'string')
    return { ok: false, error: `\`summary\` must be a string. ${ACCEPTED_FORMATS}` };
  if (json.name !== undefined && (typeof json.name !== 'string' || !json.name.trim()))
    return { ok: false, error: `\`name\` must be a non-empty string. ${ACCEPTED_FORMATS}` };
  const name = typeof json.name === 'string' ? clip(json.name, MAX_NAME) : 'alert';
  const url = httpUrl(json.url);
  return {
    ok: true,
    format: 'plain',
    alerts: [{ key: `name:${name}`, name, firing, summary: clip(json.summary ?? '', MAX_SUMMARY), ...(url && { url }) }],
  };
}

const target = (app: string, env: string): string => `\`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*`;
const about = (a: Pick<Alert, 'summary' | 'url'>): string =>
  `${a.summary ? `: ${escapeMrkdwn(a.summary)}` : ''}${a.url ? ` (${slackLink(a.url, 'details')})` : ''}`;
/** Who set a freeze, as the feed names it. */
const whose = (f: Pick<FreezeState, 'source' | 'by' | 'name'>): string =>
  f.source === 'manual' ? mention(f.by) : `the ${escapeMrkdwn(f.source)} *${escapeMrkdwn(f.name ?? f.by)}*`;

/** What happened when an alert fired on an env, for the feed. */
export type FiringOutcome =
  | { kind: 'frozen' }
  /** The env was already frozen by another of its alerts, named `by`. */
  | { kind: 'also'; by: string }
  /** The env was already frozen by a person or a release; that freeze stays. */
  | { kind: 'kept'; freeze: Pick<FreezeState, 'source' | 'by' | 'name'> };

export function alertFiringText(app: string, env: string, a: Alert, o: FiringOutcome): string {
  const name = `*${escapeMrkdwn(a.name)}*`;
  if (o.kind === 'frozen')
    return `:rotating_light: ${target(app, env)} frozen by the alert ${name}${about(a)}. Deploys there wait until it is resolved.`;
  if (o.kind === 'also')
    return `:rotating_light: The alert ${name} is firing on ${target(app, env)} too${about(a)}. It stays frozen until every alert there is resolved.`;
  return `:rotating_light: The alert ${name} is firing on ${target(app, env)}${about(a)}. It was already frozen by ${whose(o.freeze)}; that freeze stays as it is.`;
}

/** What happened when an alert was resolved, for the feed ('lifted' is followed by the count of deploys that now go ahead). */
export type ResolvedOutcome =
  | { kind: 'lifted' }
  | { kind: 'still'; firing: string[] }
  | { kind: 'kept'; freeze: Pick<FreezeState, 'source' | 'by' | 'name'> }
  | { kind: 'not-frozen' };

export function alertResolvedText(app: string, env: string, a: Pick<Alert, 'name'>, o: ResolvedOutcome): string {
  const name = `*${escapeMrkdwn(a.name)}*`;
  if (o.kind === 'lifted') return `:white_check_mark: ${target(app, env)} unfrozen: the alert ${name} is resolved.`;
  if (o.kind === 'still') {
    const names = o.firing.map((n) => `*${escapeMrkdwn(n)}*`);
    const list = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    return `:white_check_mark: The alert ${name} on ${target(app, env)} is resolved; it stays frozen while ${list} ${names.length === 1 ? 'is' : 'are'} firing.`;
  }
  if (o.kind === 'kept') {
    const how = o.freeze.source === 'manual' ? ` \`/unfreeze ${escapeMrkdwn(app)} ${escapeMrkdwn(env)}\` lifts it.` : '';
    return `:white_check_mark: The alert ${name} on ${target(app, env)} is resolved. It stays frozen by ${whose(o.freeze)}.${how}`;
  }
  return `:white_check_mark: The alert ${name} on ${target(app, env)} is resolved.`;
}
