// A run page's links along a continueAsNew chain: the run it continues and the run it
// continued as, beside its other links (restart of, parent).

import type { FC } from "hono/jsx";
import { href } from "../host.ts";

/** "Continues" and "Continued as" rows of a run's facts, for whichever of the two it has. */
export const ChainLinks: FC<{ run: { continuedFrom?: string | undefined; continuedAs?: string | undefined } }> = ({ run }) => (
  <>
    {run.continuedFrom ? (
      <>
        <dt>Continues</dt>
        <dd>
          <a href={href(`/runs/${run.continuedFrom}`)} rel="prev">
            {run.continuedFrom}
          </a>
        </dd>
      </>
    ) : null}
    {run.continuedAs ? (
      <>
        <dt>Continued as</dt>
        <dd>
          <a href={href(`/runs/${run.continuedAs}`)} rel="next">
            {run.continuedAs}
          </a>
        </dd>
      </>
    ) : null}
  </>
);
