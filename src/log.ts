import { type Logger as SlackLogger, LogLevel } from '@slack/web-api';
import pino, { type Logger } from 'pino';
import type { Redactor } from './core/redact';

/** Field names whose values are secrets wherever they appear in a log line. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'GITHUB_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'FERRY_LINK_SECRET',
  'linkSecret',
];

/** The process's root logger: JSON lines, secrets redacted by field name and by value. */
export function createLogger(level: string, redact: Redactor, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ferry' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (obj) => JSON.parse(redact(JSON.stringify(obj))) as Record<string, unknown>,
      },
    },
    destination,
  );
}

/** Bolt and the Slack SDKs log through this adapter, so their lines are pino lines too. */
export function boltLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (msgs: unknown[]) =>
    msgs.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug(text(m)),
    info: (...m: unknown[]) => log.info(text(m)),
    warn: (...m: unknown[]) => log.warn(text(m)),
    error: (...m: unknown[]) => log.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
