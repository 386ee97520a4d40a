import { createHmac, randomUUID } from 'node:crypto';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

/** X-Hub-Signature-256 as GitHub computes it: sha256=<hex HMAC-SHA256 of the raw body>. */
export const hubSignature = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export interface Delivery {
  status: number;
  text: string;
  ms: number;
  delivery: string;
}

/** Sends a webhook delivery the way GitHub does (JSON body, signed with `secret` unless `signature` is given). */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  o: { secret?: string; delivery?: string; signature?: string | null; rawBody?: string } = {},
): Promise<Delivery> {
  const body = o.rawBody ?? JSON.stringify(payload);
  const delivery = o.delivery ?? randomUUID();
  const signature = o.signature === undefined ? hubSignature(o.secret ?? WEBHOOK_SECRET, body) : o.signature;
  const t0 = performance.now();
  const res = await fetch(`${url}/github/webhook`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': event,
      'x-github-delivery': delivery,
      ...(signature !== null && { 'x-hub-signature-256': signature }),
    },
  });
  return { status: res.status, text: (await res.text()).trim(), ms: performance.now() - t0, delivery };
}

/** A `push` payload with the fields GitHub sends that Ferry reads (and a few it does not). */
export function pushPayload(p: {
  repo?: string;
  branch?: string;
  before: string;
  after: string;
  commits?: number;
  login?: string;
  email?: string;
  deleted?: boolean;
  pushedAt?: number;
}): Record<string, unknown> {
  const commits = Array.from({ length: p.commits ?? 1 }, (_, i) => ({
    id: `${i}`.padStart(40, '0'),
    message: `commit ${i}`,
    distinct: true,
  }));
  return {
    ref: `refs/heads/${p.branch ?? 'main'}`,
    before: p.before,
    after: p.after,
    created: false,
    deleted: p.deleted ?? false,
    forced: false,
    commits,
    head_commit: commits.at(-1) ?? null,
    repository: {
      full_name: p.repo ?? 'acme/web',
      name: (p.repo ?? 'acme/web').split('/')[1],
      ...(p.pushedAt !== undefined && { pushed_at: p.pushedAt }),
    },
    pusher: { name: p.login ?? 'octocat', email: p.email ?? 'octocat@users.noreply.github.com' },
    sender: { login: p.login ?? 'octocat', type: 'User' },
  };
}
