export const KEYS_BEGIN = '# portcullis team member key (from the team file: change the team file, not this block)';
export const KEYS_END = '# end of portcullis team member key';
/** authorized_keys with the member's key in our block; every other line is kept exactly as it was. */
export function withMemberKey(current: string, key: string): string {
  const lines = current.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const kept: string[] = [];
  let inBlock = false;
  for (const l of lines) {
    if (l === KEYS_BEGIN) inBlock = true;
    else if (l === KEYS_END) inBlock = false;
    else if (!inBlock) kept.push(l);
  }
  const blob = key.split(' ')[1];
  const present = kept.some((l) =>
    l
      .trim()
      .split(/\s+/)
      .includes(blob ?? ''),
  );
  const out = present ? kept : [...kept, KEYS_BEGIN, key, KEYS_END];
  return out.length ? `${out.join('\n')}\n` : '';
}
