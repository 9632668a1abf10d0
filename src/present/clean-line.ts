/** Remote output is untrusted: no escape sequences or control characters reach the terminal. */
export function cleanLine(line: string): string {
  // biome-ignore-start lint/suspicious/noControlCharactersInRegex: stripping escapes and control characters is the point
  const out = line
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, '')
    .replace(/\t/g, '  ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  // biome-ignore-end lint/suspicious/noControlCharactersInRegex: -
  return out;
}
