import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Harness, ROOT } from '../helpers/harness';
import { payloadForm, postSlack } from '../helpers/hostile';
import { freePort } from '../helpers/ports';
import { buttonBody, slashBody } from '../helpers/slack-requests';

// The built app, as production runs it (`node dist/src/bin/ferry.js app`; npm test builds first),
// takes the requests that used to end it (Bolt read `body.ssl_check` of a `payload=null`, outside
// any try) and is still up and answering afterwards.
describe('the app process under hostile requests', () => {
  let h: Harness;
  let app: ChildProcess;
  let port: number;
  let output = '';
  beforeAll(async () => {
    // The harness supplies Slack, GitHub, Redis and the config; its own in-process Ferry is only a worker.
    h = await Harness.start({ role: 'worker' });
    port = await freePort();
    app = spawn(process.execPath, [path.join(ROOT, 'dist/src/bin/ferry.js'), 'app'], {
      env: { ...h.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const listening = new Promise<void>((resolve, reject) => {
      app.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
        if (output.includes('Slack app listening')) resolve();
      });
      app.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      app.once('exit', (code) => reject(new Error(`the app exited (${code}) before listening: ${output}`)));
    });
    await listening;
  });
  afterAll(async () => {
    if (app && app.exitCode === null && app.signalCode === null) {
      app.kill('SIGTERM');
      await once(app, 'exit');
    }
    await h?.stop();
  });

  test('every hostile request is answered 200 or 400 within 1 s, and the process is still up and answering', async () => {
    const target = { url: `http://127.0.0.1:${port}`, redis: h.redis, prefix: h.prefix };
    const post = (body: string, type = 'application/x-www-form-urlencoded') => postSlack(target, body, { 'content-type': type });
    const user = { id: 'U0ANA' };
    const bodies: [string, string?][] = [
      ['payload=null'],
      ['payload=123'],
      ['payload=true'],
      ['payload=%7B%22type%22%3A'],
      [payloadForm('{"type":"block_actions","user":{"id":"U0ANA"},"actions":[{"action_id":"deploy_cancel"')],
      [payloadForm({ type: 'block_actions', actions: [{ action_id: 'deploy_cancel', value: '1' }] })],
      [payloadForm({ type: 'block_actions', user: 'U0ANA', actions: [{ action_id: 'deploy_cancel', value: '1' }] })],
      ...['view_closed', 'block_suggestion', 'message_action', 'shortcut', 'dialog_submission', 'no_such_type'].map((type): [string] => [
        payloadForm({ type, user }),
      ]),
      [buttonBody('not_ferrys_button', 'x', 'U0ANA', h.slack.responseUrl('p1'))],
      [buttonBody('deploy_cancel', '$(reboot)', 'U0ANA', h.slack.responseUrl('p2'))],
      [slashBody('/weather', 'today', 'U0ANA', h.slack.responseUrl('p3'))],
      ['null', 'application/json'],
      ['{"type":"url_verification"}', 'application/json'],
      ['payload=null', 'text/plain'],
    ];
    for (const [body, type] of bodies) {
      const r = await post(body, type);
      if ((r.status !== 200 && r.status !== 400) || r.ms >= 1_000)
        throw new Error(`${body}: HTTP ${r.status} after ${Math.round(r.ms)} ms`);
    }
    expect(app.exitCode).toBeNull();
    expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
    const help = await post(slashBody('/deploy', 'help', 'U0ANA', h.slack.responseUrl('p4')));
    expect(help.status).toBe(200);
    expect(JSON.parse(help.body).text).toContain('*Deploy:*');
    expect(await h.answer('p2')).toContain("That button doesn't name a deploy I can cancel");
    expect(output).not.toMatch(/unhandled promise rejection|TypeError/);
  });
});
