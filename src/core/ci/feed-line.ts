import type { Deploy } from '../deploy';
import { escapeMrkdwn, slackLink } from '../slack-format';

/**
 * The line a CI-driven deploy's feed message carries: its run, linked, and the run's state as last
 * seen ("run 4521: in progress: build ✓, deploy running"); empty for a deploy that ran a command.
 */
export function ciFeedLine(d: Pick<Deploy, 'ci' | 'status'>): string {
  const ci = d.ci;
  if (!ci) return '';
  if (!ci.run) return d.status === 'running' ? ':gear: dispatching to CI\n' : '';
  const name = `run ${ci.run.id}`;
  const link = ci.run.url && /^https?:\/\//.test(ci.run.url) ? slackLink(ci.run.url, name) : escapeMrkdwn(name);
  return `:gear: ${link}${ci.text ? `: ${escapeMrkdwn(ci.text)}` : ''}\n`;
}
