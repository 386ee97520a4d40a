/**
 * Ferry's own Slack mrkdwn (a deploy's error, written for Slack with outside text escaped) as
 * GitHub markdown a reviewer reads on the pull request: *bold* as **bold**, links as markdown
 * links, mentions and dates as words, code kept as code. What came from outside stays inert: its
 * < > & stay HTML entities (GitHub shows them as the characters) and an @name pings nobody.
 */
export function mrkdwnToMarkdown(text: string): string {
  // Code blocks and spans first: inside them nothing is markup, and entities are the characters.
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? code(part) : prose(part)))
    .join('');
}

function code(part: string): string {
  const block = part.startsWith('```');
  const inner = unescapeSlack(block ? part.slice(3, -3) : part.slice(1, -1));
  if (block) return `\n\`\`\`\n${inner.replace(/^\n|\n$/g, '')}\n\`\`\`\n`;
  // A span whose text holds a backtick needs a longer fence (none here: Slack spans can't hold one).
  return `\`${inner}\``;
}

function prose(part: string): string {
  return part
    .replace(/<@[A-Z0-9]+>/g, 'someone in Slack')
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!(here|channel|everyone)(\|[^>]*)?>/g, '$1')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<(https?:[^|>\s]+)\|([^>]*)>/g, (_, url: string, label: string) => mdLink(label, unescapeSlack(url)))
    .replace(/<(https?:[^|>\s]+)>/g, (_, url: string) => href(unescapeSlack(url)))
    .replace(/(^|[^\w/.:-])@(?=[A-Za-z0-9])/g, '$1@\u200d')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/gm, '$1**$2**')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/gm, '$1~~$2~~');
}

/** Slack's three escapes undone (inside code only: elsewhere GitHub reads the entities). */
function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A markdown link; brackets in the text, and parentheses or spaces in the URL, would end it early. */
export function mdLink(text: string, url: string): string {
  return `[${text.replace(/[[\]\\]/g, '\\$&')}](${href(url)})`;
}

/** A URL as a link target: parentheses, spaces and angle brackets percent-encoded. */
function href(url: string): string {
  return url.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
