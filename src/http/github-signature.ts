/**
 * X-Hub-Signature-256, checked by GitHub's own library (@octokit/webhooks-methods): `sha256=<hex>`
 * of the HMAC-SHA256 of the body with the webhook's secret, compared in constant time. While a
 * secret is being rotated (GITHUB_WEBHOOK_SECRET_PREVIOUS), a delivery signed with the previous
 * secret passes too (verifyWithFallback).
 */
export interface WebhookSecrets {
  /** GITHUB_WEBHOOK_SECRET. */
  current: string;
  /** GITHUB_WEBHOOK_SECRET_PREVIOUS: accepted as well until it is unset (docs/configuration.md, rotating the secret). */
  previous?: string | undefined;
}

/** Whether `header` signs `body` with one of the secrets. */
export type SignatureCheck = (body: Buffer, header: string) => Promise<boolean>;

type WebhooksMethods = typeof import('@octokit/webhooks-methods');
let loading: Promise<WebhooksMethods> | undefined;

/**
 * The library is ESM only and exports nothing for require(), so Ferry's CommonJS build imports it
 * with import(), once per process.
 */
function loadWebhooksMethods(): Promise<WebhooksMethods> {
  loading ??= import('@octokit/webhooks-methods');
  return loading;
}

export function signatureCheck(secrets: WebhookSecrets): SignatureCheck {
  const methods = loadWebhooksMethods();
  // Loaded now rather than on the first delivery; a failure shows on each delivery (a 500 and its log line).
  methods.catch(() => {});
  const previous = secrets.previous ? [secrets.previous] : undefined;
  return async (body, header) => {
    // The library throws on an empty payload or signature; GitHub sends neither, and such a delivery is refused as unsigned.
    if (body.length === 0 || !header) return false;
    const { verifyWithFallback } = await methods;
    // It signs a string: the UTF-8 body Ferry then parses. A body that is not UTF-8 does not match
    // its signature and is refused, as GitHub only sends JSON. Hex case is not part of the check.
    return (await verifyWithFallback(secrets.current, body.toString('utf8'), header.toLowerCase(), previous)) === true;
  };
}
