/** Wall-clock time of a deadline as the operator's terminal shows it (HH:MM:SS, 24 h, local time). */
export function clockTime(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
