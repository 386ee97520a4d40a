/** Slack mrkdwn helpers. Text from people or git is escaped so it can't ping @channel or break links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text a person typed, shown as inline code: escaped, and with backticks that would end the span swapped for '. */
export function typed(text: string, max = 80): string {
  const t = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return `\`${escapeMrkdwn(t.replace(/`/g, "'"))}\``;
}

/**
 * A command Ferry suggests, as inline code: always whole, so it can be copied and run (its parts
 * are names from the config and a ref already checked to be short enough), never clipped like typed().
 */
export function suggestedCommand(command: string): string {
  return typed(command, Number.POSITIVE_INFINITY);
}

/** A link in mrkdwn; the URL's `|` (which would end it) is percent-encoded. */
export function slackLink(url: string, text: string): string {
  return `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(text)}>`;
}

/** Whether a deploy's or lock's user is a Slack user ID (U…/W…), not Ferry's own (`github` for an automatic deploy). */
export const isSlackUser = (user: string): boolean => /^[UW][A-Z0-9]+$/.test(user);

/** A Slack user's mention; anything else (e.g. `github`, an automatic deploy's user) as escaped plain text. */
export const mention = (userId: string): string => (/^[A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));

/** A time Slack shows in each reader's own time zone. */
export function slackTime(ms: number, format = '{date_short_pretty} {time}'): string {
  const fallback = `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** Slack's limit for one section's text is 3,000 characters. */
export function clipText(text: string, max = 2_900): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Ferry's own mrkdwn (e.g. a deploy's failure reason) as plain text: links and mentions to words, entities undone. */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<([^|>]+)\|([^>]*)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
