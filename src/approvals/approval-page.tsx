// The approval page: what is asked, of whom, until when, and two buttons that POST the
// decision. Plain HTML forms (no JavaScript), and GET never decides anything, because
// mail scanners fetch links before people click them.

import type { FC, PropsWithChildren } from "hono/jsx";
import type { ApprovalInfo } from "../runs/run-object.ts";

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{color:#555}
pre{background:#f4f4f4;padding:.75rem;overflow:auto}textarea{width:100%;min-height:4rem}
.buttons{display:flex;gap:1rem;margin-top:1rem}button{font-size:1rem;padding:.5rem 1.25rem;border-radius:.3rem;border:1px solid #888;cursor:pointer}
.approve{background:#1d7a3a;color:#fff;border-color:#1d7a3a}.reject{background:#fff;color:#a11}
.notice{padding:.75rem 1rem;border-radius:.3rem;background:#eef}`;

const Layout: FC<PropsWithChildren<{ title: string; nonce: string }>> = ({ title, nonce, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      {/* No favicon request: the page asks for nothing it does not need. */}
      <link rel="icon" href="data:," />
      <title>{title}</title>
      <style nonce={nonce}>{STYLE}</style>
    </head>
    <body>{children}</body>
  </html>
);

/** The details of an approval, shown above the buttons and on every outcome page. */
const Details: FC<{ info: ApprovalInfo }> = ({ info }) => (
  <dl>
    <dt>Workflow</dt>
    <dd>{info.workflow}</dd>
    <dt>Run</dt>
    <dd>
      <code>{info.runId}</code>
    </dd>
    <dt>Asked</dt>
    <dd>{info.to.length > 0 ? info.to.join(", ") : "anyone with this link"}</dd>
    <dt>Expires</dt>
    <dd>{info.expiresAt}</dd>
  </dl>
);

/** The page a link opens: the request and the decision form. */
export const DecisionPage: FC<{ nonce: string; info: ApprovalInfo; approveAction: string; rejectAction: string; proposed: "approve" | "reject" }> = ({
  nonce,
  info,
  approveAction,
  rejectAction,
  proposed,
}) => (
  <Layout title={info.subject} nonce={nonce}>
    <h1>{info.subject}</h1>
    {info.message ? <p>{info.message}</p> : null}
    <Details info={info} />
    {info.data !== null ? <pre>{info.data}</pre> : null}
    <form method="post" action={proposed === "approve" ? approveAction : rejectAction}>
      <label for="comment">Comment (optional)</label>
      <textarea id="comment" name="comment" maxlength={2000}></textarea>
      <div class="buttons">
        <button class="approve" type="submit" formaction={approveAction}>
          Approve
        </button>
        <button class="reject" type="submit" formaction={rejectAction}>
          Reject
        </button>
      </div>
    </form>
  </Layout>
);

/** What the page says once there is nothing to decide: decided now, earlier, or never. */
export const OutcomePage: FC<{ nonce: string; title: string; text: string; info?: ApprovalInfo | undefined }> = ({ nonce, title, text, info }) => (
  <Layout title={title} nonce={nonce}>
    <h1>{title}</h1>
    <p class="notice">{text}</p>
    {info ? <Details info={info} /> : null}
  </Layout>
);
