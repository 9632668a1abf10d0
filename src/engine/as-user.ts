import {cmd, quote} from '../util/shell.js';

/**
 * Files in a directory an unprivileged user controls (their home, their ~/.ssh) are read, written and
 * removed as that user, never as root: a link the user plants there (at the file, at its temporary or
 * restore copy, or at ~/.ssh itself) then reaches only what the user could reach anyway, whatever it
 * points to and whenever it was planted. Root only opens files in its own directories (the run's
 * before-images) and hands them over on stdin.
 */

/** A path a step may change, and the user it is changed as (unset: root, in a directory only root controls). */
export interface Touched {
  path: string;
  as?: string;
}

/**
 * `pc_as USER CMD...`: runs CMD as USER with USER's own uid and primary group, no supplementary groups,
 * from `/`. Fails (and runs nothing) when the user does not exist or no tool here can drop to them:
 * nothing falls back to root.
 */
export const AS_USER_FN = [
  'pc_as() { pcu=$1; shift;',
  'pcuid=$(id -u "$pcu" 2>/dev/null) && pcgid=$(id -g "$pcu" 2>/dev/null) || { echo "portcullis: there is no user $pcu to act as" >&2; return 1; };',
  'if command -v setpriv >/dev/null 2>&1; then (cd / && exec setpriv --reuid="$pcuid" --regid="$pcgid" --clear-groups -- "$@");',
  'elif command -v runuser >/dev/null 2>&1; then (cd / && exec runuser -u "$pcu" -- "$@");',
  'elif command -v sudo >/dev/null 2>&1; then (cd / && exec sudo -n -u "$pcu" -- "$@");',
  'else echo "portcullis: no setpriv, runuser or sudo here to act as $pcu; refusing to touch their files as root" >&2; return 1; fi; }',
].join(' ');

/** One command line that runs argv as `user`. */
export function asUser(user: string, argv: readonly string[]): string {
  return `pc_as ${quote(user)} ${cmd(argv)}`;
}

// As the user: never through a leftover temporary file (removed first), then renamed over the final path.
const WRITE =
  'umask 077 && mkdir -p -- "${1%/*}" && rm -f -- "$1.pc-new" && cat > "$1.pc-new" && chmod "$2" "$1.pc-new" && mv -f -- "$1.pc-new" "$1"';

/** Writes stdin to `path` as `user`, with `mode` (octal string): the file is the user's own. */
export function writeAsUserLine(user: string, path: string, mode: string): string {
  return asUser(user, ['sh', '-c', WRITE, 'sh', path, mode]);
}

/**
 * The before-image of a user's path, read as the user: `meta` gets `file MODE` (content to `dest`) or
 * `link TARGET` (the link itself, never what it points to), and stays empty when there is nothing (or
 * nothing the user can see). Anything else there (a directory, a fifo) stops the step (exit 3).
 */
export function snapshotAsUserLine(t: Touched & {as: string}, dest: string): string {
  const read = [
    'if [ -L "$1" ]; then printf "link %s" "$(readlink -- "$1")" >&3;',
    'elif [ -f "$1" ]; then printf "file %s" "$(stat -c %a -- "$1" 2>/dev/null || stat -f %Lp -- "$1")" >&3 && cat -- "$1";',
    'elif [ -e "$1" ]; then echo "$1 is neither a file nor a link; portcullis leaves it alone" >&2; exit 1; fi',
  ].join(' ');
  const run = asUser(t.as, ['sh', '-c', read, 'sh', t.path]);
  return `: > ${quote(`${dest}.meta`)}; if id -u ${quote(t.as)} >/dev/null 2>&1; then ${run} 3> ${quote(`${dest}.meta`)} > ${quote(dest)} || exit 3; fi`;
}

/** Puts a user's path back as the before-image says, as the user: the file, the link, or nothing. */
export function restoreAsUserLine(t: Touched & {as: string}, src: string): string {
  const meta = quote(`${src}.meta`);
  const file = asUser(t.as, [
    'sh',
    '-c',
    'umask 077 && rm -f -- "$1.pc-restore" && cat > "$1.pc-restore" && chmod "$2" "$1.pc-restore" && mv -f -- "$1.pc-restore" "$1"',
    'sh',
    t.path,
  ]);
  const link = asUser(t.as, [
    'sh',
    '-c',
    'rm -f -- "$1.pc-restore" && ln -s -- "$2" "$1.pc-restore" && mv -f -- "$1.pc-restore" "$1"',
    'sh',
    t.path,
  ]);
  return [
    `m=$(cat ${meta} 2>/dev/null); case "$m" in`,
    `file\\ *) ${file} "\${m#file }" < ${quote(src)} ;;`,
    `link\\ *) ${link} "\${m#link }" ;;`,
    `*) ${asUser(t.as, ['rm', '-f', '--', t.path])} ;;`,
    'esac',
  ].join('\n');
}
