import { randomUUID } from 'node:crypto';
import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { isFerryError } from '../errors';
import type { Place } from '../services/arrival-order';
import type { Answer } from '../services/queue-deploy';
import type { Limiter } from '../util/limiter';

/** Sends an ephemeral answer through response_url. */
export async function answer(respond: RespondFn, a: Answer): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text: a.text, ...(a.blocks && { blocks: a.blocks as never }) });
}

/**
 * Runs the slow part of a command after its ack and answers with the result. A FerryError's
 * message goes to the person as it is; anything else is logged with a reference they can quote.
 * The work goes through `limiter`, so a burst of commands can't starve the acks of the next ones.
 * `place`, the request's place in line (ArrivalOrder), is given up when the work ends, however it ends.
 */
export async function answerAfterAck(
  respond: RespondFn,
  log: Logger,
  limiter: Limiter,
  work: () => Promise<Answer>,
  place?: Place,
): Promise<void> {
  let a: Answer;
  try {
    a = await limiter.run(work).finally(() => place?.leave());
  } catch (err) {
    if (isFerryError(err)) a = { text: err.message };
    else {
      const ref = randomUUID().slice(0, 8);
      log.error({ err: (err as Error).message, stack: (err as Error).stack, ref }, 'command failed');
      a = {
        text: `Something went wrong on Ferry's side (reference \`${ref}\`), and I can't say whether your request went through. Check the deploy feed, then try again; if it keeps happening, give the reference to whoever runs Ferry.`,
      };
    }
  }
  try {
    await answer(respond, a);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not answer through response_url');
  }
}
