/**
 * A small table of Slack emoji shortcodes: the ones Ferry uses, and a few common ones people type.
 * Unknown shortcodes are left as `:name:`, as Slack shows an emoji it doesn't know.
 */
const EMOJI: Record<string, string> = {
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  rocket: '🚀',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  no_entry_sign: '🚫',
  no_entry: '⛔',
  stop_sign: '🛑',
  lock: '🔒',
  unlock: '🔓',
  key: '🔑',
  warning: '⚠️',
  information_source: 'ℹ️',
  question: '❓',
  exclamation: '❗',
  bell: '🔔',
  wave: '👋',
  tada: '🎉',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  '-1': '👎',
  pray: '🙏',
  fire: '🔥',
  sparkles: '✨',
  construction: '🚧',
  snowflake: '❄️',
  ice_cube: '🧊',
  calendar: '📆',
  date: '📅',
  clock1: '🕐',
  clock3: '🕒',
  sunny: '☀️',
  inbox_tray: '📥',
  outbox_tray: '📤',
  octagonal_sign: '🛑',
  rotating_light: '🚨',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  arrow_right: '➡️',
  arrow_left: '⬅️',
  arrows_counterclockwise: '🔄',
  link: '🔗',
  memo: '📝',
  pencil: '📝',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  large_green_circle: '🟢',
  red_circle: '🔴',
  large_yellow_circle: '🟡',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  ship: '🚢',
  ferry: '⛴️',
  package: '📦',
  recycle: '♻️',
  rewind: '⏪',
  fast_forward: '⏩',
  mag: '🔍',
  gear: '⚙️',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  scroll: '📜',
  page_facing_up: '📄',
  clipboard: '📋',
  bulb: '💡',
  star: '⭐',
  heart: '❤️',
  smile: '😄',
  slightly_smiling_face: '🙂',
  thinking_face: '🤔',
  sweat_smile: '😅',
  zzz: '💤',
  skull: '💀',
  boom: '💥',
  bug: '🐛',
  chart_with_upwards_trend: '📈',
};

/** The character for a shortcode (without colons), if this table knows it. */
export function emojiChar(name: string): string | undefined {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name] : undefined;
}

/**
 * Replaces known `:name:` shortcodes in `text` with their characters; unknown ones stay as typed.
 * Safe on HTML-escaped text: shortcode names never contain `&`, `;` or `#`.
 */
export function replaceEmoji(text: string): string {
  const re = /:([a-z0-9_+-]+):/gi;
  let out = '';
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const char = emojiChar(m[1]!.toLowerCase());
    if (char === undefined) {
      // Not an emoji: its closing colon may open the next one, as in `10:rocket:`.
      re.lastIndex = m.index + m[0].length - 1;
      continue;
    }
    out += text.slice(from, m.index) + char;
    from = re.lastIndex;
  }
  return out + text.slice(from);
}
