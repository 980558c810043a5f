// An update's answer as the client waits for it: at once when the API answered 200,
// else read again every second while it is pending (the API answered 202).

import type { UpdateAnswered, UpdatePending, UpdateView } from "./api-types.ts";

/** The handler's result from `sent`, reading the update with `read` while it is pending; a failed update rejects with what `fail` makes of its message. */
export async function updateAnswer(sent: UpdateAnswered | UpdatePending, name: string, read: (updateId: string) => Promise<UpdateView>, fail: (message: string) => Error): Promise<unknown> {
  if (!("status" in sent)) return sent.result;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const view = await read(sent.updateId);
    if (view.status === "completed") return view.result;
    if (view.status === "failed") throw fail(`update "${name}" threw ${view.error?.name ?? "Error"}: ${view.error?.message ?? ""}`);
  }
}
