import type { App } from '@slack/bolt';
import pino from 'pino';
import { reviewConfig } from './review-fixtures';
import { REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION } from '../../src/core/review/actions';
import type { ReviewCommands } from '../../src/services/review-apps';
import { registerReviewActions } from '../../src/slack/actions/review';
import { registerDeploy } from '../../src/slack/commands/deploy';
import { Limiter } from '../../src/util/limiter';

const config = reviewConfig();

type Handler = (args: Record<string, unknown>) => Promise<void>;

/** Bolt's registration, recorded: the handlers by command and action id. */
function recorder(): { app: App; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const app = {
    command: (id: string, h: Handler) => handlers.set(id, h),
    action: (id: string, h: Handler) => handlers.set(id, h),
  } as unknown as App;
  return { app, handlers };
}

/** The review commands, recorded, each answering with what it was asked. */
function commands(): ReviewCommands & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    personDeploy: async (app, pr, ref, user) => {
      asked.push(`deploy ${app} ${pr} ${ref ?? '(head)'} ${user}`);
      return { text: `redeploying ${app} #${pr}` };
    },
    personTeardown: async (app, pr, user) => {
      asked.push(`teardown ${app} ${pr} ${user}`);
      return { text: `tearing down ${app} #${pr}` };
    },
  };
}

const deps = { config, log: pino({ level: 'silent' }), limiter: new Limiter(4) };

/** Runs `/deploy <text>`: what it acked with, and what it answered after. */
async function slash(handlers: Map<string, Handler>, text: string): Promise<{ ack: unknown[]; answers: string[] }> {
  const ack: unknown[] = [];
  const answers: string[] = [];
  await handlers.get('/deploy')!({
    command: { text, user_id: 'U0ANA', trigger_id: 't1' },
    ack: async (a?: unknown) => void ack.push(a),
    respond: async (r: { text: string }) => void answers.push(r.text),
  });
  return { ack, answers };
}

describe('/deploy pr-42: routed to the review commands', () => {
  function deploy(reviews?: ReviewCommands) {
    const { app, handlers } = recorder();
    const never = () => {
      throw new Error('not a review app command');
    };
    registerDeploy(app, {
      ...deps,
      requests: { request: never },
      deployLog: {} as never,
      cancels: {} as never,
      arrivals: { arrive: never } as never,
      ...(reviews && { reviews }),
    });
    return handlers;
  }

  test('a redeploy (its head, or a ref) and a teardown: acked first, then answered with what the review commands said', async () => {
    const reviews = commands();
    const handlers = deploy(reviews);
    expect(await slash(handlers, 'pr-42')).toEqual({ ack: [undefined], answers: ['redeploying web #42'] });
    expect(await slash(handlers, 'web pr-42 fix/nav')).toEqual({ ack: [undefined], answers: ['redeploying web #42'] });
    expect(await slash(handlers, 'pr-42 teardown')).toEqual({ ack: [undefined], answers: ['tearing down web #42'] });
    expect(reviews.asked).toEqual(['deploy web 42 (head) U0ANA', 'deploy web 42 fix/nav U0ANA', 'teardown web 42 U0ANA']);
  });

  test('without the review app service: review apps are not set up here, in the ack', async () => {
    const { ack, answers } = await slash(deploy(), 'pr-42 teardown');
    expect(ack).toEqual([{ response_type: 'ephemeral', text: expect.stringContaining('Review apps are not set up here') }]);
    expect(answers).toEqual([]);
  });
});

describe('the Tear down and Redeploy buttons', () => {
  async function click(handlers: Map<string, Handler>, id: string, value: string | undefined): Promise<string[]> {
    const answers: string[] = [];
    await handlers.get(id)!({
      action: { action_id: id, value },
      body: { user: { id: 'U0BOB' } },
      ack: async () => {},
      respond: async (r: { text: string }) => void answers.push(r.text),
    });
    return answers;
  }

  test('call the same review commands, and bring the message up to date', async () => {
    const reviews = commands();
    const refreshed: string[] = [];
    const { app, handlers } = recorder();
    registerReviewActions(app, { ...deps, reviews, reviewFeed: { refresh: async (a, pr) => void refreshed.push(`${a}#${pr}`) } });
    expect(await click(handlers, REVIEW_TEARDOWN_ACTION, 'web:42')).toEqual(['tearing down web #42']);
    expect(await click(handlers, REVIEW_REDEPLOY_ACTION, 'web:42')).toEqual(['redeploying web #42']);
    expect(reviews.asked).toEqual(['teardown web 42 U0BOB', 'deploy web 42 (head) U0BOB']);
    expect(refreshed).toEqual(['web#42', 'web#42']);
  });

  test.each([undefined, '', '42', 'web', 'web:0', 'web:abc', 'api:42', 'web:42:1', '<!channel>:1'])(
    'a junk value %p: a helpful answer, and nothing asked',
    async (value) => {
      const reviews = commands();
      const { app, handlers } = recorder();
      registerReviewActions(app, { ...deps, reviews });
      const [answer] = await click(handlers, REVIEW_TEARDOWN_ACTION, value);
      expect(answer).toContain("That button doesn't name a review app I know. Nothing was changed");
      expect(reviews.asked).toEqual([]);
    },
  );

  test('without the review app service: review apps are not set up here', async () => {
    const { app, handlers } = recorder();
    registerReviewActions(app, deps);
    expect(await click(handlers, REVIEW_REDEPLOY_ACTION, 'web:42')).toEqual([expect.stringContaining('Review apps are not set up here')]);
  });
});
