/** Token shapes that must never reach a log or Slack, whoever's they are. */
const TOKEN_PATTERNS = [
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack bot, user and legacy tokens
  /\bxapp-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /(https?:\/\/)[^\s/:@"',]+:[^\s/@"',]+@/g, // credentials in URLs
];

export type Redactor = (text: string) => string;

/** Replaces the given secret values, and anything shaped like a token, with [redacted]. */
export function makeRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const v of values) out = out.split(v).join('[redacted]');
    for (const re of TOKEN_PATTERNS)
      out = out.replace(re, (m, scheme?: string) =>
        typeof scheme === 'string' && m.startsWith(scheme) ? `${scheme}[redacted]@` : '[redacted]',
      );
    return out;
  };
}
