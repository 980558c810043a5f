// Sending mail: one small function type, so the run object does not care how a
// message leaves. The real one goes through the send_email binding; tests pass a
// recording one, because the binding itself cannot be observed from a test.

import { EmailMessage } from "cloudflare:email";

/** Sends one raw MIME message from `from` to `to`; throws when it could not. */
export type Mailer = (from: string, to: string, raw: string) => Promise<void>;

/** A mailer over the Worker's `send_email` binding. */
export function bindingMailer(binding: SendEmail | undefined): Mailer {
  return async (from, to, raw) => {
    if (!binding) throw new Error("no send_email binding named EMAIL is configured in wrangler.toml");
    await binding.send(new EmailMessage(from, to, raw));
  };
}
