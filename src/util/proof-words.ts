/**
 * A proof's words without the command they end with (`admin logs in through the tunnel (ssh admin@h)`):
 * for screens that print the command on a row of its own, so it is shown once.
 */
export function proofWords(what: string, command: string): string {
  const tail = ` (${command})`;
  return what.endsWith(tail) ? what.slice(0, -tail.length) : what;
}

/** A proof's words with its command once: `WHAT (COMMAND)`, whether or not the words already end with it. */
export function proofWithCommand(what: string, command: string): string {
  return `${proofWords(what, command)} (${command})`;
}
