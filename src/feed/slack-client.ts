import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { boltLogger } from '../log';
import type { SlackCallCounter } from '../metrics/ferry-metrics';
import { countingSlackFetch } from '../metrics/slack-calls';

/**
 * The Slack Web API client Ferry's app and workers share. It waits out 429s (honouring
 * Retry-After) and retries 5xx and network errors with backoff, so no update is lost to a blip.
 * With `count`, every request it makes is counted (ferry_slack_api_calls_total).
 */
export function createSlackClient(token: string, slackApiUrl: string, log: Logger, count?: SlackCallCounter): WebClient {
  const apiUrl = slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`;
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    logger: boltLogger(log.child({ component: 'slack-web-api' })),
    logLevel: LogLevel.WARN,
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 6, factor: 2, minTimeout: 500, maxTimeout: 30_000, randomize: true },
    timeout: 20_000,
    ...(count && { fetch: countingSlackFetch(count, apiUrl) }),
  });
}
