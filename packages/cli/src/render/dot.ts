/**
 * A DOT quoted string for a label (graphviz `escString`): backslash and
 * double quote escaped, `&` as `&amp;` (graphviz reads entities in labels),
 * line breaks as `\n`, other control characters dropped. Backslash escaping
 * also stops graphviz's `\N`, `\G`, `\L` substitutions, so a device name
 * is shown exactly as written.
 */
export function dotString(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '&') out += '&amp;';
    else if (ch === '\n') out += '\\n';
    else if (ch < ' ' || ch === '\u007f') continue;
    else out += ch;
  }
  return `${out}"`;
}

/** `key=value, ...` DOT attributes, every value quoted. */
export function dotAttrs(attrs: Readonly<Record<string, string | undefined>>): string {
  const parts = Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${dotString(v)}`]));
  return parts.length === 0 ? '' : ` [${parts.join(', ')}]`;
}
