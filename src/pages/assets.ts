import { createHash } from 'node:crypto';

/** Static files of the public pages, served from memory with a content hash in their URL. */
const css = `
:root { --ink: #1d2433; --muted: #5a6478; --line: #d5dae3; --accent: #0b5cad; --accent-ink: #fff; --bg: #f6f7f9; --ok: #1b6e3c; --warn: #8a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
header.site { background: #12324f; color: #fff; padding: 1rem 1.25rem; }
header.site a { color: #fff; text-decoration: none; font-weight: 600; }
header.site .languages { float: right; display: flex; gap: .9rem; } header.site .languages a { font-weight: 400; text-decoration: underline; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: .5rem 0 1rem; }
.lede { color: var(--muted); margin-top: 0; }
form .field { margin: 0 0 1.25rem; }
label { font-weight: 600; display: block; margin-bottom: .25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .1rem 0 .4rem; }
.hint.block { display: block; margin: 0; font-weight: 400; }
input[type=email], input[type=text], input[type=search], select { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid #9aa3b5; border-radius: 6px; background: #fff; }
input:focus, select:focus, button:focus, summary:focus { outline: 3px solid #f0b429; outline-offset: 2px; }
fieldset { border: 1px solid var(--line); border-radius: 8px; background: #fff; margin: 0 0 1.25rem; padding: .75rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 .35rem; }
.choice { display: flex; gap: .5rem; align-items: baseline; font-weight: 400; margin: .2rem 0; }
.choice input { flex: none; }
.regions details { border-top: 1px solid var(--line); padding: .4rem 0; }
.regions summary { cursor: pointer; font-weight: 600; }
.regions .countries { columns: 2 14rem; margin: .4rem 0 0 1.6rem; }
.regions .whole { font-weight: 600; }
button, .button { display: inline-block; font: inherit; font-weight: 600; border: 0; border-radius: 6px; padding: .7rem 1.3rem; background: var(--accent); color: var(--accent-ink); cursor: pointer; text-decoration: none; }
button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
button.danger { background: #a4262c; }
.notice { border-left: 4px solid var(--ok); background: #fff; padding: .75rem 1rem; margin: 0 0 1.25rem; }
.notice.error { border-color: #a4262c; }
.errors li, .errors a { color: #a4262c; }
.notice h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
.field-error { color: #a4262c; font-weight: 600; margin: .2rem 0 .4rem; }
[aria-invalid="true"] { border: 2px solid #a4262c; }
fieldset[aria-invalid="true"] { border-left: 4px solid #a4262c; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.kicker { text-transform: uppercase; letter-spacing: .06em; font-size: .85rem; font-weight: 600; color: var(--muted); margin: 0; }
.meta { color: var(--muted); font-size: .9rem; }
.badge { display: inline-block; border-radius: 4px; padding: 0 .45rem; font-size: .8rem; font-weight: 700; color: #fff; background: #166534; }
.badge.updated { background: #1d4ed8; } .badge.watch_flag_raised { background: #9a3412; } .badge.watch_flag_lifted { background: #4b5563; }
.country { border-top: 1px solid var(--line); margin-top: 1.5rem; }
.report { margin: 1rem 0 1.5rem; } .report h3 { margin: .2rem 0 .4rem; font-size: 1.15rem; }
.watch-flag { color: #9a3412; font-weight: 700; margin: 0 0 .4rem; }
.report .update { background: #fff; border-left: 4px solid var(--accent); padding: .5rem .75rem; }
.digest-footer { border-top: 1px solid var(--line); margin-top: 2rem; color: var(--muted); font-size: .9rem; }
footer.site { max-width: 46rem; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: .9rem; }
[hidden] { display: none !important; }
`;

const signupJs = `
(function () {
  var tz = document.querySelector('input[name="timezone"]');
  try { if (tz && !tz.dataset.chosen) tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || tz.value; } catch (e) {}
  var search = document.getElementById('country-search');
  if (!search) return;
  search.parentElement.hidden = false;
  search.addEventListener('input', function () {
    var q = search.value.trim().toLowerCase();
    document.querySelectorAll('.regions details').forEach(function (region) {
      var any = false;
      region.querySelectorAll('.countries .choice').forEach(function (row) {
        var hit = !q || row.textContent.toLowerCase().indexOf(q) !== -1;
        row.hidden = !hit; any = any || hit;
      });
      region.hidden = !any;
      region.open = q ? any : !!region.querySelector('input:checked');
    });
  });
})();
`;

function asset(body: string, type: string) {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 10);
  return { body, type, hash };
}

export const assets = {
  'style.css': asset(css, 'text/css; charset=utf-8'),
  'signup.js': asset(signupJs, 'text/javascript; charset=utf-8'),
} as const;

export type AssetName = keyof typeof assets;

export const assetUrl = (name: AssetName) => `/assets/${name}?v=${assets[name].hash}`;
