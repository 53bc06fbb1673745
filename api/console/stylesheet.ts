import { createHash } from 'node:crypto';

/**
 * The console's one stylesheet, in the debtor portal's visual language (its colours, radii,
 * inputs and buttons), made for a working screen: wider, denser tables. Served as a file so
 * console pages need no inline style (their CSP allows styles from this origin only) and a
 * browser fetches it once; its URL carries a hash of the content, so a changed sheet is fetched anew.
 */
export const consoleCss = `:root{--ink:#1b1f24;--muted:#59636e;--line:#e2e5e9;--accent:#0b6e4f;--accent-ink:#fff;--bg:#f4f5f7;--bar:#12372a}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
a:hover{text-decoration-thickness:2px}
header.bar{background:var(--bar);color:#fff}
header.bar .wrap{max-width:1400px;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.25rem}
header.bar .brand{font-weight:700;color:#fff;text-decoration:none;font-size:1.05rem;letter-spacing:.01em}
header.bar .brand span{font-weight:400;opacity:.75}
header.bar nav{display:flex;flex-wrap:wrap;gap:.25rem}
header.bar nav a{color:#fff;text-decoration:none;padding:.3rem .6rem;border-radius:6px;opacity:.85}
header.bar nav a:hover,header.bar nav a[aria-current=page]{background:#ffffff1f;opacity:1}
header.bar .me{margin-left:auto;display:flex;align-items:center;gap:.6rem;font-size:.9rem;flex-wrap:wrap}
header.bar .me form{margin:0}
header.bar .me button{margin:0;min-height:0;padding:.3rem .75rem;background:transparent;border-color:#ffffff80;color:#fff}
main{max-width:1180px;margin:0 auto;padding:1.25rem 1rem 2rem}
main.narrow{max-width:30rem;padding-top:3rem}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .6rem}
h3{font-size:.98rem;margin:1.25rem 0 .4rem}
.lead{color:var(--muted);margin:-.5rem 0 1rem;max-width:46rem}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1rem 1.1rem;margin:0 0 1rem}
.card>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
.grid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:0 1rem;align-items:start}
.muted{color:var(--muted);font-size:.92rem}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86rem;overflow-wrap:anywhere}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1.25rem;margin:0}
.meta dt{color:var(--muted)}
.meta dd{margin:0;overflow-wrap:anywhere}
address.contact{font-style:normal;line-height:1.45}
address.contact .reach{display:block;margin-top:.4rem}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:999px;font-size:.85rem;font-weight:600;background:#e8ecef;white-space:nowrap}
.badge-reviewing,.badge-open,.badge-queued{background:#fff3d6;color:#6b4a00}
.badge-processing,.badge-paid,.badge-collected,.badge-posted,.badge-verified,.badge-delivered,.badge-accepted{background:#dff3ea;color:#0b5a41}
.badge-closed,.badge-rejected,.badge-failed,.badge-overdue,.badge-in_debt_collection{background:#fde8e6;color:#8a1c12}
.table-scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:0 -.25rem;padding:0 .25rem}
table{width:100%;border-collapse:collapse;font-size:.94rem}
th{text-align:left;font-weight:600;color:var(--muted);font-size:.82rem;text-transform:uppercase;letter-spacing:.03em;padding:.45rem .6rem;border-bottom:2px solid var(--line);white-space:nowrap}
td{padding:.55rem .6rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover{background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap}
td.when{white-space:nowrap;color:var(--muted);font-size:.88rem}
td.check{width:2rem}
.notice{border-left:4px solid var(--accent);background:#e6f4ee;padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem}
.problem{border-left:4px solid #b42318;background:#fdecea;color:#7a1a12;padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input[type=text],input[type=email],input[type=password],input[type=search],select,textarea{display:block;width:100%;max-width:100%;font:inherit;padding:.55rem .7rem;border:1px solid #aeb5bd;border-radius:8px;background:#fff;color:var(--ink);min-height:2.6rem}
textarea{min-height:5rem;resize:vertical}
input[type=checkbox]{width:1.1rem;height:1.1rem;accent-color:var(--accent);margin:.15rem 0}
button{display:inline-block;font:inherit;font-weight:600;padding:.55rem 1.1rem;margin:.75rem .4rem 0 0;border:1px solid var(--accent);border-radius:8px;background:var(--accent);color:var(--accent-ink);cursor:pointer;min-height:2.6rem}
button:hover{filter:brightness(1.1)}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:#fff;color:#b42318;border-color:#b42318}
button.block{display:block;width:100%;margin-right:0}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:0 .4rem}
form.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.25rem 1rem}
form.filters label{margin-top:0}
form.filters .field{flex:1 1 12rem}
form.filters button{margin-top:0}
form.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
form.inline input{flex:1 1 10rem;width:auto}
form.inline button{margin:0}
form.stacked+form.stacked{margin-top:1rem;padding-top:.75rem;border-top:1px solid var(--line)}
details>summary{cursor:pointer;color:var(--accent)}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font:.86rem/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.25rem 0}
.help{font-size:.92rem}
.help h2{font-size:1rem}
code{font:.86em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f4;border-radius:4px;padding:.05rem .3rem;overflow-wrap:anywhere}
code.command{display:block;border-radius:8px;padding:.55rem .7rem;margin:.4rem 0}
a:focus-visible,input:focus,select:focus,textarea:focus,button:focus-visible,summary:focus-visible{outline:3px solid #7cc4a8;outline-offset:2px}
@media (max-width:800px){.grid{grid-template-columns:minmax(0,1fr)}}
@media (max-width:640px){
body{font-size:15px}
main{padding:1rem .75rem 2rem}
main.narrow{padding-top:1.25rem}
header.bar .me{margin-left:0;width:100%;justify-content:space-between}
.card{padding:.9rem .85rem}
th,td{padding-left:.4rem;padding-right:.4rem}
th{letter-spacing:0}
table.stack thead{display:none}
table.stack tr{display:block;padding:.6rem 0;border-bottom:1px solid var(--line)}
table.stack tbody tr:last-child{border-bottom:0}
table.stack td{display:block;padding:.1rem 0;border:0;text-align:left}
table.stack td.num{text-align:left}
table.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.85rem}
table.stack td.check{float:right;width:auto}
.meta{gap:.3rem .9rem}
button{padding:.65rem 1rem}
}`;

export const CONSOLE_CSS_PATH = `/console/console.css?v=${createHash('sha256').update(consoleCss).digest('hex').slice(0, 12)}`;
