// Text read from the archive (keys, sidecar values, CDR fields) goes to terminals: a file named
// `x\e]0;PWNED\a\e[2J.wav` must not set the window title, clear the screen or rewrite the lines above it, and a
// newline in a name must not split a table row. Every C0 and C1 control character (ESC, BEL, CR, LF, NEL, CSI…)
// and DEL is shown escaped, the way `ls -b` and JSON show them: `\e`, `\n`, `\x07`, `\u009b`.

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Record<string, string> = {'\u001b': '\\e', '\n': '\\n', '\r': '\\r', '\t': '\\t'}

/** The text with every control character escaped: safe to print on a terminal, one line. */
export function printable(text: string): string {
  return text.replace(CONTROL, (char) => NAMED[char] ?? (char.charCodeAt(0) < 0x100 ? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${char.charCodeAt(0).toString(16)}`))
}
