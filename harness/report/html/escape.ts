// Escaping for the HTML report. Everything that came from the target (server names, error texts,
// journals) or from a report file is untrusted: it reaches the page only through these.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A requirement sentence with `code` spans (the catalogue's own markup), everything escaped. */
export function withCode(text: string): string {
  return text.split('`').map((part, i) => (i % 2 === 1 ? `<code>${esc(part)}</code>` : esc(part))).join('');
}

/** An id attribute value / fragment from arbitrary text: [A-Za-z0-9_-] only. */
export function slug(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, '_')).join('-');
}

/**
 * JSON for a <script type="application/json"> element: `<` `>` `&` and the JS line separators
 * escaped, so no string inside can close the element or start markup.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
