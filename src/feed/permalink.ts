import type { WebClient } from '@slack/web-api';

/**
 * Links to Slack messages without a Web API call per message: Slack's permalinks are
 * `<workspace URL>archives/<channel>/p<ts without its dot>`, and the workspace URL comes from one
 * `auth.test` per process. If that fails (and until it works), chat.getPermalink is asked instead.
 */
export function permalinks(slack: Pick<WebClient, 'auth' | 'chat'>): (channel: string, ts: string) => Promise<string | undefined> {
  let workspace: Promise<string | undefined> | undefined;
  return async (channel, ts) => {
    workspace ??= slack.auth.test().then(
      (r) => (typeof r.url === 'string' && /^https?:\/\//.test(r.url) ? r.url.replace(/\/?$/, '/') : undefined),
      () => {
        workspace = undefined; // ask again next time
        return undefined;
      },
    );
    const base = await workspace;
    if (base && /^[A-Z0-9]+$/i.test(channel) && /^\d+\.\d+$/.test(ts)) return `${base}archives/${channel}/p${ts.replace('.', '')}`;
    return (await slack.chat.getPermalink({ channel, message_ts: ts })).permalink;
  };
}
