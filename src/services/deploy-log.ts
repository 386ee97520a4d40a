import { LOG_ANSWER_LINES, logLinkText, logTailText, unknownDeployText } from '../core/log-answer';
import { freshLogUrl, type LogLinks } from '../core/log-link';
import type { Redactor } from '../core/redact';
import type { DeployStore } from '../store/deploys';
import type { LogStore } from '../store/logs';
import type { Answer } from './queue-deploy';

export interface DeployLogDeps {
  deploys: DeployStore;
  logs: LogStore;
  /** How to make log page links; undefined when FERRY_PUBLIC_URL is not set (the page is off). */
  links: () => LogLinks | undefined;
  redact: Redactor;
  now?: () => number;
}

/** `/deploy log <id>`: a fresh link to the deploy's log page, or its last lines when the page is off. */
export async function answerDeployLog(d: DeployLogDeps, id: number): Promise<Answer> {
  const now = (d.now ?? Date.now)();
  const dep = await d.deploys.get(id);
  if (!dep) return { text: unknownDeployText(id, await d.deploys.latestId()) };
  const links = d.links();
  if (links) return { text: logLinkText(dep, now, freshLogUrl(links, dep, now)) };
  const lines = (await d.logs.tail(id, LOG_ANSWER_LINES)).map(d.redact);
  return { text: logTailText(dep, now, lines) };
}
