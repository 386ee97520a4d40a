import type { Deploy } from './deploy';
import { renderDeployMessage } from './feed-message';
import { clipText, escapeMrkdwn, slackLink, slackTime } from './slack-format';

/** Lines shown in Slack by `/deploy log <id>` when the log page is off. */
export const LOG_ANSWER_LINES = 10;

/** The deploy in one line, as its feed message's notification text reads. */
const stateLine = (d: Deploy, now: number): string => renderDeployMessage(d, { now }).text;

/** `/deploy log <id>` for a deploy that does not exist. */
export function unknownDeployText(id: number, newest: number): string {
  const which = newest > 0 ? `Deploy ids run from #1 to #${newest}; ` : 'No deploy has been made yet; ';
  return `There is no deploy #${id}. ${which}the id is in each deploy's feed message (Deploy #42).`;
}

/** `/deploy log <id>` with the log page on: a fresh link and where the deploy stands. */
export function logLinkText(d: Deploy, now: number, link: { url: string; expiresAt: number }): string {
  const live = d.status === 'queued' || d.status === 'running' ? ', live while it runs' : '';
  return `${stateLine(d, now)}\n${slackLink(link.url, `Full log of deploy #${d.id}`)}${live}. The link works until ${slackTime(link.expiresAt)}; anyone who has it can read the log.`;
}

/** `/deploy log <id>` with the log page off: how to turn it on, and the last lines here. */
export function logTailText(d: Deploy, now: number, lines: string[]): string {
  const body = lines.length ? clipText(lines.map(escapeMrkdwn).join('\n'), 2_500).replace(/```/g, "'''") : '(nothing printed yet)';
  return [
    stateLine(d, now),
    "The deploy log page is off: whoever runs Ferry can turn it on by setting FERRY_PUBLIC_URL to the address where Slack users reach Ferry's HTTP port (e.g. `https://ferry.acme.com`) and restarting it.",
    `Last ${LOG_ANSWER_LINES} lines of the log:`,
    `\`\`\`${body}\`\`\``,
  ].join('\n');
}
