import { escapeHtml } from './render/mrkdwn';

/** Things to try, shown above the channel until the person hides them. */
export const DEFAULT_TIPS = [
  'Type <code>/deploy dev feature/checkout</code> below and watch its message in #deploys.',
  'Switch to Bob (top right) and try <code>/deploy dev main</code>: dev is locked by Alice now.',
  "Open a deploy's <em>full log</em> link, or try <code>/lock</code>, <code>/unlock</code>, <code>/deploy help</code>.",
  'Releases go from staging to production: deploy staging first (<code>/deploy staging main</code>), then <code>/release</code> asks the authors for their OK.',
  'Stop deploys for a while with <code>/freeze production for 1h release week</code>; <code>/unfreeze production</code> lifts it.',
];

/** The playground page: a shell the browser script fills in from the live event stream. */
export function pageHtml(tips: readonly string[] = DEFAULT_TIPS): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry playground</title>
<link rel="stylesheet" href="/assets/playground.css">
<script type="module" src="/assets/playground.js"></script>
</head>
<body>
<header class="top">
  <span class="brand">⛴ Ferry playground</span>
  <span class="note">A local stand-in for Slack: everything here talks to a real Ferry over Slack's own protocols.</span>
  <label class="whoami">You are
    <select id="user" aria-label="Who you are"></select>
  </label>
</header>
<div class="layout">
  <nav class="sidebar" aria-label="Conversations">
    <h3>Channels</h3>
    <ul id="channels"></ul>
    <h3>Direct messages</h3>
    <ul id="dms"></ul>
    <p id="status" class="conn">connecting…</p>
  </nav>
  <main class="conversation">
    <h2 id="title">#deploys</h2>
    <section id="tips" class="tips">
      <strong>Try this</strong>
      <ul>${tips.map((t) => `<li>${t}</li>`).join('')}</ul>
      <button type="button" id="hide-tips" class="link">hide</button>
    </section>
    <div id="messages" class="messages" aria-live="polite"></div>
    <form id="composer" class="composer" autocomplete="off">
      <input id="text" name="text" list="commands" placeholder="Message, or a command like /deploy dev feature/checkout" aria-label="Message or slash command">
      <button type="submit">Send</button>
    </form>
    <p id="composer-error" class="composer-error" role="alert"></p>
  </main>
  <aside id="thread" class="thread" hidden aria-label="Thread">
    <header><strong>Thread</strong><button type="button" id="close-thread" class="link">close</button></header>
    <div id="thread-messages" class="messages"></div>
  </aside>
</div>
<div id="modal" class="modal-backdrop" hidden></div>
<datalist id="commands"></datalist>
<noscript><p class="noscript">${escapeHtml('The playground needs JavaScript.')}</p></noscript>
</body>
</html>
`;
}
