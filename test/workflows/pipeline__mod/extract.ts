// A module script: registered as "pipeline__mod/extract" because its default export is script().
import { script } from "baton-workflows";
import { hit } from "../../hit.ts";

export default script(async (args: { tag: string; rows: number[] }, { attempt }) => {
  await hit(`${args.tag}:extract`);
  return args.rows.filter((row) => row > 0).map((row) => row * 10 + attempt - 1);
});
