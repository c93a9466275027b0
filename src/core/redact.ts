/**
 * Password redaction. Every endpoint string that reaches an error, an event or a log goes through here.
 * Both `scheme://user:pass@host` URLs and free text that may embed one are handled.
 */
// The password runs to the LAST `@` before a space or `/`: a password may hold `@` (`p@ss` → `p%40ss` is
// what a careful user writes, but not every user is careful).
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/\s]*)@/gi;

/** Removes the password from every URL in `text`: `mqtt://app:secret@h` → `mqtt://app:***@h`. */
export function redact(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** The display form of a parsed URL: its own serialization, password replaced (spaces and all). */
export function redactUrl(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * For a string that is not even a URL: keep the scheme and what follows the last `@`, nothing between.
 * `mqtt://user:pa/ss@host` → `mqtt://***@host`.
 */
export function redactUnparsable(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return redact(text);
  const schemeEnd = text.indexOf('://');
  const start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0;
  return `${text.slice(0, start)}***${text.slice(at)}`;
}

/** Replaces every occurrence of `secret` in `text` (for messages from libraries that echo credentials). */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret) return redact(text);
  return redact(text.split(secret).join('***'));
}
