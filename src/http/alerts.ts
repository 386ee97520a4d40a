import { envOf, REVIEW_ALL } from '../core/review/env';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type Alert, parseAlerts } from '../core/alerts';
import type { BodyHandler } from './server';

export interface AlertsDeps {
  /** FERRY_ALERT_TOKEN: the shared secret every request must carry. */
  token: string;
  config: FerryConfig;
  /** Records the alerts and freezes or unfreezes the env (FreezeService.alerts). */
  alerts: (app: string, env: string, alerts: readonly Alert[]) => Promise<{ firing: string[]; resolved: string[]; repeated: string[] }>;
  log: Logger;
}

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

/** The token a request carries: `Authorization: Bearer <token>` or `X-Ferry-Token: <token>`. */
function presented(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  if (m) return m[1]!.trim();
  const x = req.headers['x-ferry-token'];
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}

/**
 * POST /alerts/<app>/<env>: Alertmanager's webhook or plain JSON (src/core/alerts.ts). A firing
 * alert freezes the env, the last one resolved lifts that freeze. Checked in this order: the token
 * (401), the app and env (404), the body (400); then 200 with what changed.
 */
export function createAlertsEndpoint(d: AlertsDeps): BodyHandler {
  const expected = digest(d.token);
  return {
    async handle(req, res, body, path) {
      const token = presented(req);
      // Both sides hashed, so the comparison takes the same time whatever the lengths.
      if (!token || !timingSafeEqual(digest(token), expected)) {
        d.log.warn({ path, token: token ? 'wrong' : 'missing' }, 'alert refused: bad token');
        return send(
          res,
          401,
          `${token ? 'Wrong token' : 'No token'}: send FERRY_ALERT_TOKEN as "Authorization: Bearer <token>" or "X-Ferry-Token: <token>".`,
        );
      }
      const parts = path.split('/').slice(2);
      let app: string, env: string;
      try {
        [app, env] = parts.map(decodeURIComponent) as [string, string];
      } catch {
        return send(res, 404, 'Alerts go to /alerts/<app>/<env>.');
      }
      if (parts.length !== 2 || !app || !env)
        return send(res, 404, `Alerts go to /alerts/<app>/<env>; apps here: ${d.config.appNames.join(', ')}.`);
      const appConfig = Object.hasOwn(d.config.apps, app) ? d.config.apps[app] : undefined;
      if (!appConfig) return send(res, 404, `No app "${app}" here; apps: ${d.config.appNames.join(', ')}.`);
      // A review app (`pr-42`) may have its alerts, and `review` freezes them all.
      if (!envOf(appConfig, env) && !(env === REVIEW_ALL && appConfig.reviewApps))
        return send(
          res,
          404,
          `App "${app}" has no env "${env}"; its envs: ${appConfig.envNames.join(', ')}${appConfig.reviewApps ? ', pr-<number> (a review app), review (all of them)' : ''}.`,
        );
      const parsed = parseAlerts(body.toString('utf8'));
      if (!parsed.ok) return send(res, 400, parsed.error);
      const r = await d.alerts(app, env, parsed.alerts);
      d.log.info({ app, env, format: parsed.format, ...r }, 'alerts received');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, frozen: r.firing, resolved: r.resolved, repeated: r.repeated }));
    },
  };
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
