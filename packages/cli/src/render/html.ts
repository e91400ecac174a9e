const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };

/**
 * Text made safe for HTML/SVG element content and quoted attribute values:
 * `& < > " '` as entities, so a firmware or log string can never close a
 * tag, an attribute or a `<script>`.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
