// The console's frame: head, navigation and the one stylesheet, inline with the
// page's nonce so the Content-Security-Policy allows nothing else.

import { href } from "../host.ts";
import { raw } from "hono/html";
import type { FC, PropsWithChildren } from "hono/jsx";
import { registry } from "../registry.ts";
import type { RunStatus } from "../runs/run-view.ts";

const STYLE = `
:root{--fg:#1b1d21;--muted:#5d6470;--line:#e2e5ea;--bg:#fafbfc;--ok:#1d7a3a;--bad:#b42318;--run:#1f5fbf;--wait:#9a6700;--idle:#7a7f88;--queue:#b9c6dc}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.5rem;background:#111827;color:#fff}
header.top a{color:#d1d5db;text-decoration:none}header.top a:hover{color:#fff}header.top .brand{font-weight:700;color:#fff}
header.top form{margin-left:auto}header.top button{background:none;border:1px solid #4b5563;color:#d1d5db;padding:.2rem .7rem;border-radius:.3rem;cursor:pointer}
main{max-width:80rem;margin:0 auto;padding:1.25rem 1.5rem 4rem}h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.6rem 0 .6rem}
a{color:var(--run)}code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f1f3f6;border:1px solid var(--line);border-radius:.3rem;padding:.6rem .75rem;overflow:auto;max-height:28rem;margin:.3rem 0;white-space:pre-wrap;word-break:break-word}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}th,td{text-align:left;padding:.45rem .7rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);background:#f5f6f8}tr:last-child td{border-bottom:none}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:12px;font-weight:600;background:#e5e7eb;color:#374151}
.s-completed{background:#dcfce7;color:var(--ok)}.s-failed{background:#fee4e2;color:var(--bad)}.s-running,.s-queued{background:#dbeafe;color:var(--run)}
.s-retrying{background:#fef3c7;color:var(--wait)}.s-waiting,.s-sleeping{background:#fef3c7;color:var(--wait)}.s-paused{background:#e5e7eb;color:#374151}.s-cancelled{background:#e5e7eb;color:#4b5563}.s-continued{background:#e0e7ff;color:#3730a3}
.filters{display:flex;gap:.75rem;align-items:end;margin-bottom:1rem;flex-wrap:wrap}label{display:block;font-size:12px;color:var(--muted)}
select,input,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #c5cad3;border-radius:.3rem;background:#fff}
textarea{width:100%;font:12.5px/1.4 ui-monospace,monospace;min-height:5rem}
button{font:inherit;padding:.35rem 1rem;border-radius:.3rem;border:1px solid #9aa1ad;background:#fff;cursor:pointer}
button.primary{background:var(--run);border-color:var(--run);color:#fff}button.approve{background:var(--ok);border-color:var(--ok);color:#fff}
button.danger{color:var(--bad);border-color:var(--bad)}
.pager{display:flex;gap:1rem;margin:.8rem 0}.muted{color:var(--muted)}.error{color:var(--bad)}
.notice{padding:.6rem .9rem;border-radius:.3rem;background:#eef2ff;border:1px solid #c7d2fe}.notice.bad{background:#fef3f2;border-color:#fecdca;color:var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.actions{display:flex;gap:.6rem;align-items:center;margin:.4rem 0 1rem}.card{background:#fff;border:1px solid var(--line);border-radius:.4rem;padding:.8rem 1rem;margin:.6rem 0}
.approval .buttons{display:flex;gap:.6rem;margin-top:.5rem}
.timeline{background:#fff;border:1px solid var(--line);border-radius:.4rem;padding:.4rem .6rem}
.tl-row{display:grid;grid-template-columns:minmax(10rem,22rem) 1fr 6rem;gap:.6rem;align-items:center;padding:.1rem 0;border-bottom:1px dashed #eef0f3}
.tl-row:last-child{border-bottom:none}.tl-row .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.tl-row .took{text-align:right;color:var(--muted);font-size:12px}
.tl-row svg{width:100%;height:14px;display:block}.tl-axis{display:flex;justify-content:space-between;color:var(--muted);font-size:12px;padding-left:calc(min(22rem,30%) + .6rem)}
rect.queue{fill:var(--queue)}rect.ran{fill:var(--run)}rect.ok{fill:var(--ok)}rect.bad{fill:var(--bad)}rect.backoff{fill:#f5d48a}
rect.sleep{fill:#c4b5fd}rect.wait{fill:#fbbf24}rect.event{fill:#f472b6}rect.flow{fill:#5eead4}rect.now{fill:var(--run);opacity:.55}
.legend{display:flex;gap:1rem;font-size:12px;color:var(--muted);margin:.3rem 0}.legend i{display:inline-block;width:.8rem;height:.6rem;margin-right:.3rem;vertical-align:middle}
.legend .queue{background:var(--queue)}.legend .ok{background:var(--ok)}.legend .bad{background:var(--bad)}.legend .ran{background:var(--run)}
.legend .backoff{background:#f5d48a}.legend .sleep{background:#c4b5fd}.legend .wait{background:#fbbf24}.legend .event{background:#f472b6}.legend .flow{background:#5eead4}
.step{background:#fff;border:1px solid var(--line);border-radius:.4rem;margin:.5rem 0;padding:.5rem .8rem}
.step>.head{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap}.step .key{font-weight:600}
.logs{max-height:16rem}.log-warn{color:var(--wait)}.log-error{color:var(--bad)}.log-debug{color:var(--muted)}
.err .cause{margin-left:1rem;border-left:2px solid #fecdca;padding-left:.6rem}
section.workflow{background:#fff;border:1px solid var(--line);border-radius:.4rem;padding:.8rem 1rem;margin:.7rem 0}
section.workflow h2{margin:0 0 .3rem}fieldset{border:none;padding:0;margin:0}legend{font-weight:600;padding:0}
.signin{max-width:24rem;margin:10vh auto;background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1.5rem}
.signin input{width:100%;margin:.3rem 0 1rem}
.build-banner{background:#fef3f2;border-bottom:1px solid #fecdca;color:var(--bad);padding:.4rem 1.5rem}.build-banner p{margin:.2rem 0}
`;

/** The page's document; `nav` false for pages shown before signing in. */
export const Layout: FC<PropsWithChildren<{ title: string; nonce: string; nav?: boolean }>> = ({ title, nonce, nav = true, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      {/* No favicon request: the page asks for nothing it does not need. */}
      <link rel="icon" href="data:," />
      <title>{`${title} · Baton`}</title>
      {/* Raw: a style element's text is not HTML, so escaping would corrupt selectors like `>`. */}
      <style nonce={nonce}>{raw(STYLE)}</style>
    </head>
    <body>
      {nav ? (
        <header class="top">
          <a class="brand" href={href("/")}>
            Baton
          </a>
          <a href={href("/")}>Runs</a>
          <a href={href("/workflows")}>Workflows</a>
          <a href={href("/workers")}>Workers</a>
          <form method="post" action={href("/sign-out")}>
            <button type="submit">Sign out</button>
          </form>
        </header>
      ) : null}
      {nav ? <BuildBanner /> : null}
      <main>{children}</main>
    </body>
  </html>
);

/** On every signed-in page while a workflow file does not build (an edit in dev): which, where and why. */
const BuildBanner: FC = () => {
  const failures = registry.buildFailures();
  if (failures.length === 0) return null;
  return (
    <div class="build-banner" role="alert">
      {failures.map(([name, failure]) => (
        <p>
          <strong>{name}</strong> does not build: <code>{`${failure.file}:${failure.line}:${failure.column}`}</code> {failure.message}. Its requests answer 503 until it
          builds; the other workflows run.
        </p>
      ))}
    </div>
  );
};

/** A run or step status as a coloured badge. */
export const Status: FC<{ status: RunStatus | string }> = ({ status }) => <span class={`badge s-${status}`}>{status}</span>;
