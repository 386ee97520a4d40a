const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Outside text made inert in HTML (text and attribute values). */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/**
 * The HTML around a page Ferry serves (the log page, the stats page): no referrer, not indexed,
 * its stylesheet (and script, if any) from /assets, linked relatively so a public URL with a path
 * prefix works; everything else is the page's own body.
 */
export function pageShell(o: { title: string; stylesheet: string; script?: string; body: string }): string {
  const script = o.script ? `\n<script type="module" src="../assets/${o.script}"></script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(o.title)}</title>
<link rel="stylesheet" href="../assets/${o.stylesheet}">${script}
</head>
<body>
${o.body}
</body>
</html>
`;
}
