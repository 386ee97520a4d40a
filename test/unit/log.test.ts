import { Writable } from 'node:stream';
import { makeRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/log';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('logs never carry secrets', () => {
  const SECRET = 'xoxb-1234-5678-abcdefghijklmnop';
  test('a secret value is redacted in messages and in fields, and known secret fields are censored', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', makeRedactor([SECRET, 'my-signing-secret']), stream);
    log
      .child({ deployId: 7 })
      .info({ url: `https://x/?t=${SECRET}`, token: 'anything', headers: { authorization: 'Bearer abc' } }, `calling Slack with ${SECRET}`);
    log.warn('signing secret is my-signing-secret; a GitHub token ghp_abcdefghijklmnopqrstuvwxyz0123 leaked');
    const out = lines.join('');
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).not.toContain('my-signing-secret');
    expect(out).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123');
    expect(out).not.toContain('Bearer abc');
    expect(out).toContain('"deployId":7');
    expect(out).toContain('[redacted]');
  });
});
