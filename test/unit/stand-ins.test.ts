import { FakeGitHub } from '../helpers/fake-github';
import { FakeSlack } from '../helpers/fake-slack';

/**
 * The GitHub and Slack stand-ins answer a request they can't read with 400, as the real services
 * do, and keep serving: a test must not fail because another process sent junk to a reused port.
 */
const post = (url: string, body: string, type = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('stand-ins and a body that is not JSON', () => {
  test('GitHub answers 400 "Problems parsing JSON", does not count it, and answers the next request', async () => {
    const gh = await new FakeGitHub().start();
    try {
      expect(await post(`${gh.url}/repos/acme/web/deployments`, 'GET / HTTP/1.1 not json')).toEqual({
        status: 400,
        body: { message: 'Problems parsing JSON' },
      });
      expect(gh.requests).toEqual([]);
      const next = await fetch(`${gh.url}/repos/acme/web/commits/main`);
      expect(next.status).toBeLessThan(500);
      expect(gh.requests).toEqual(['GET /repos/acme/web/commits/main']);
    } finally {
      await gh.stop();
    }
  });

  test('Slack answers 400 invalid_json on its API and on a response_url, and answers the next call', async () => {
    const slack = await new FakeSlack().start();
    const base = `http://127.0.0.1:${slack.port}`;
    try {
      expect(await post(`${base}/api/chat.postMessage`, '{not json')).toEqual({ status: 400, body: { ok: false, error: 'invalid_json' } });
      expect(await post(`${base}/respond/r1`, 'not json either')).toEqual({ status: 400, body: { ok: false, error: 'invalid_json' } });
      const ok = await post(`${base}/api/auth.test`, '{}');
      expect(ok.status).toBe(200);
    } finally {
      await slack.stop();
    }
  });
});
