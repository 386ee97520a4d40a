import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/harness';

// The playground never starts by itself: `npm start` without Slack credentials stops with the
// message that says what to set, as before there was a playground.
test('ferry start without Slack credentials exits 1 naming what to set, and starts nothing', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/bin/ferry.js'), 'start'], {
    env: {
      PATH: process.env.PATH!,
      HOME: ROOT,
      FERRY_CONFIG: path.join(ROOT, 'ferry.example.yml'),
      REDIS_URL: process.env.FERRY_TEST_REDIS_URL!,
      PORT: '0',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("Ferry can't start: missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode).");
  expect(r.stderr).toContain('manifest.yml');
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/playground/i);
});
