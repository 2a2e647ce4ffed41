// Masks secrets in free text before it is logged (e.g. a stdio MCP server's stderr, copied into
// debug logs): the logger's path redaction only covers structured fields. Every pattern is a
// single pass without nested quantifiers, over input capped first, so hostile text stays cheap.

const MASK = '***';

const RULES: readonly (readonly [RegExp, string])[] = [
  // Authorization schemes: `Bearer abc`, `Basic dXNlcjpwYXNz`.
  [/\b(Bearer|Basic|Token)\s+[^\s"',;]+/gi, `$1 ${MASK}`],
  // JWTs and common vendor token shapes, wherever they stand.
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, MASK],
  [/\b(?:sk|pk|rk|ghp|gho|ghs|glpat|xox[abpr])[-_][A-Za-z0-9_-]{8,}/g, MASK],
  // URL userinfo password: scheme://user:PASS@host.
  [/(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/]{0,256}:)[^\s@/]{1,1024}@/gi, `$1${MASK}@`],
  // key=value / key: value / "key":"value" where the key names a secret.
  [
    /\b([\w.-]{0,64}?(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|auth|credential|private[_-]?key|access[_-]?key|session|cookie)[\w-]{0,64})("?\s{0,8}[=:]\s{0,8}"?)[^\s"'&,;]+/gi,
    `$1$2${MASK}`,
  ],
  // Query-string values: ?a=1&b=2 → ?a=***&b=***.
  [/([?&][^\s=&#?]{1,128}=)[^\s&#"']+/g, `$1${MASK}`],
];

/** `text` with secrets masked as `***`, cut to `maxLength` characters (`…` marks a cut). */
export function redactLogText(text: string, maxLength = 2_000): string {
  let out = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
