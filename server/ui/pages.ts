import type { Caller } from '../auth.js';
import { html, type Html } from './html.js';

// The page frame shared by every UI page: plain HTML and CSS; its scripts (assets/) add to
// pages that work without them.

const css = `
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #0f172a; background: #f1f5f9; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .7rem 1.5rem; background: #0f172a; color: #e2e8f0; }
header a { color: #e2e8f0; text-decoration: none; }
header .who { margin-left: auto; font-size: .85rem; color: #94a3b8; }
header form { margin: 0; }
main { max-width: 1400px; margin: 1.5rem auto; padding: 0 1.5rem; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
th { color: #475569; font-weight: 600; }
.diagram { overflow: auto; max-height: 85vh; border: 1px solid #e2e8f0; border-radius: 6px; background: #fff; }
.diagram svg { display: block; max-width: none; }
.diagram-tools { display: flex; gap: .4rem; align-items: center; margin-bottom: .5rem; font-size: .85rem; color: #475569; }
.diagram-tools button { padding: .15rem .6rem; background: #e2e8f0; color: #0f172a; }
.live-status { margin: .6rem 0 0; font-size: .8rem; color: #64748b; }
.pill { display: inline-block; padding: .1rem .55rem; border-radius: 999px; background: #e2e8f0; font-size: .85rem; }
.pill.current { background: #fde68a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dt { color: #475569; }
dd { margin: 0; }
.error { color: #b91c1c; }
input[type=password], input[type=text] { width: 100%; padding: .5rem; font: inherit; border: 1px solid #cbd5e1; border-radius: 6px; }
button { max-width: 100%; padding: .45rem 1rem; font: inherit; border: 0; border-radius: 6px; background: #1d4ed8; color: #fff; cursor: pointer; }
/* A long unbroken name (an event type, an id) wraps inside its box rather than spill out of it */
h1, h2, h3, strong, button, dd, code { overflow-wrap: anywhere; }
td button { overflow-wrap: normal; white-space: nowrap; }
header button { background: transparent; color: #e2e8f0; border: 1px solid #475569; padding: .2rem .7rem; }
`;

/**
 * `csrf`: the hidden CSRF field (csrfField in csrf.ts) for the sign-out form in the header;
 * `signedInAs`: the caller's key and org by name, when known.
 */
export function page(
  title: string,
  caller: Caller | undefined,
  body: Html,
  csrf: Html,
  signedInAs?: string,
): string {
  const who = caller
    ? caller.kind === 'operator'
      ? 'operator'
      : (signedInAs ?? `org ${caller.orgId} (${caller.environmentKind.toLowerCase()})`)
    : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Card issuing engine</title>
<link rel="icon" href="data:,">
<style>${css}</style>
<script src="/ui/assets/diagram.js" defer></script>
<script src="/ui/assets/forms.js" defer></script>
</head>
<body>
<header>
  <strong><a href="/ui">Card issuing engine</a></strong>
  <a href="/ui/machines">Machines</a>
  <a href="/ui/api">API</a>
  ${caller?.kind === 'operator' ? html`<a href="/ui/orgs">Orgs</a>` : ''}
  ${
    who
      ? html`<span class="who">Signed in as ${who}</span><form method="post" action="/ui/logout">${csrf}<button type="submit">Sign out</button></form>`
      : html`<a class="who" href="/ui/login">Sign in</a>`
  }
</header>
<main>
${body}
</main>
</body>
</html>`.value;
}
