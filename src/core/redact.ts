/**
 * Password redaction. Every endpoint string that reaches an error, an event or a log goes through here.
 * Both `scheme://user:pass@host` URLs and free text that may embed one are handled.
 */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

/** Removes the password from every URL in `text`: `mqtt://app:secret@h` → `mqtt://app:***@h`. */
export function redact(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** Replaces every occurrence of `secret` in `text` (for messages from libraries that echo credentials). */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret) return redact(text);
  return redact(text.split(secret).join('***'));
}
