import type {PackageManager} from '../core/facts.js';
import type {Action} from '../core/types.js';
import {assertNever} from '../util/errors.js';
import {base64Literal, cmd, quote} from '../util/shell.js';
import {isPrintable} from '../util/terminal.js';
import {asUser, writeAsUserLine} from './as-user.js';
import {armLines, commitLine} from './dead-man.js';
import {aheadWaitLine} from './scripts.js';
import {serviceLines} from './service-lines.js';

export interface CompileContext {
  runId: string;
  stepId: string;
  /** `sh` export shows heredocs people can read; execution uses base64 so every byte survives. */
  style: 'exec' | 'review';
}

/** The exact shell lines an action runs on the target. Proofs run on the operator's side and compile to a comment. */
export function compileAction(a: Action, ctx: CompileContext): string[] {
  switch (a.kind) {
    case 'file.write':
      return compileWrite(a, ctx);
    case 'file.remove':
      return [a.as ? asUser(a.as, ['rm', '-f', '--', a.path]) : cmd(['rm', '-f', a.path])];
    case 'run': {
      if (a.secret && ctx.style === 'review') return [`# ${a.label}: the command carries a secret and is not shown`];
      const line = a.as ? asUser(a.as, a.argv) : cmd(a.argv);
      return [a.stdin === undefined ? line : `printf '%s' ${quote(a.stdin)} | ${line}`];
    }
    case 'firewall.rule':
      return [cmd(a.argv)];
    case 'service':
      return serviceLines(a.op, a.unit, a.init);
    case 'package.install':
      if (ctx.style === 'exec' && a.manager === 'apt') return aptExecLines(ctx, a.packages);
      return packageLines(a.manager, a.packages);
    case 'timer.arm':
      return armLines(ctx.runId, ctx.stepId, a.seconds);
    case 'timer.disarm':
      return [commitLine(ctx.runId, ctx.stepId)];
    case 'proof':
      return [`# prove from the operator's side: a fresh connection, ${a.what}`];
    default:
      return assertNever(a, 'action');
  }
}

function compileWrite(a: Extract<Action, {kind: 'file.write'}>, ctx: CompileContext): string[] {
  if (a.as) return [writeAsUser(a, a.as, ctx)];
  const tmp = `${a.path}.pc-new`;
  const dir = a.path.slice(0, a.path.lastIndexOf('/')) || '/';
  const lines = [cmd(['mkdir', '-p', dir])];
  const delim = 'PORTCULLIS_EOF';
  if (ctx.style === 'review' && a.secret) {
    lines.push(`# ${a.path} holds a secret: portcullis writes it itself and never prints it`);
    return lines;
  }
  if (
    ctx.style === 'review' &&
    !a.content.split('\n').includes(delim) &&
    a.content.endsWith('\n') &&
    readable(a.content)
  ) {
    lines.push(`(umask 077; cat > ${quote(tmp)} <<'${delim}'\n${a.content}${delim}\n)`);
  } else {
    lines.push(`(umask 077; printf '%s' ${quote(base64Literal(a.content))} | base64 -d > ${quote(tmp)})`);
  }
  lines.push(cmd(['chmod', a.mode.toString(8).padStart(4, '0'), tmp]));
  if (a.owner) lines.push(cmd(['chown', a.owner, tmp]));
  lines.push(cmd(['mv', '-f', tmp, a.path]));
  return [lines.join(' && ')];
}

/** Control characters (ESC, CR...) would reach the reviewer's terminal raw from a heredoc: base64 then. */
const readable = (s: string) => isPrintable(s);

function writeAsUser(a: Extract<Action, {kind: 'file.write'}>, user: string, ctx: CompileContext): string {
  const delim = 'PORTCULLIS_EOF';
  const write = writeAsUserLine(user, a.path, a.mode.toString(8).padStart(4, '0'));
  if (ctx.style === 'review' && a.secret)
    return `# ${a.path} holds a secret: portcullis writes it itself and never prints it`;
  if (
    ctx.style === 'review' &&
    !a.content.split('\n').includes(delim) &&
    a.content.endsWith('\n') &&
    readable(a.content)
  )
    return `${write} <<'${delim}'\n${a.content}${delim}`;
  return `printf '%s' ${quote(base64Literal(a.content))} | base64 -d | ${write}`;
}

function packageLines(manager: PackageManager, packages: readonly string[]): string[] {
  const names = packages.map(quote).join(' ');
  switch (manager) {
    case 'apt': {
      const install = aptInstall(names);
      // A fresh VPS often has stale or empty package lists: update once, only when the install needs it.
      return [`${install} || { apt-get update -q && ${install}; }`];
    }
    case 'dnf':
      return [`dnf install -y ${names}`];
    case 'apk':
      return [`apk add ${names}`];
    case 'pacman':
      return [`pacman -S --needed --noconfirm ${names}`];
    case 'brew':
      return [`brew install ${names}`];
    case 'none':
      return [`echo ${quote(`no package manager to install ${packages.join(' ')}`)} >&2; false`];
    default:
      return assertNever(manager, 'package manager');
  }
}

/**
 * apt-get install of already quoted names. It waits for dpkg's lock (a fresh VPS runs unattended-upgrades
 * at first boot) instead of failing on it.
 */
export function aptInstall(names: string, extra = ''): string {
  return `env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300${extra ? ` ${extra}` : ''} ${names}`;
}

/**
 * A step's apt install as it runs: after this run's packages-ahead job (if any) has finished, only what
 * is still missing is installed; packages the job installed are reported, not installed twice.
 */
function aptExecLines(ctx: CompileContext, packages: readonly string[]): string[] {
  const names = packages.map(quote).join(' ');
  const installed = `[ "$(dpkg-query -W -f='\${db:Status-Abbrev}\\n' ${names} 2>/dev/null | grep -c '^ii')" = ${packages.length} ]`;
  return [
    aheadWaitLine(ctx.runId, ctx.stepId),
    `if ${installed}; then echo ${quote(`already installed (ahead of this step): ${packages.join(', ')}`)}; else ${packageLines('apt', packages)[0]}; fi`,
  ];
}

/** One line an operator reads in a plan: what the action does, without the bytes. */
export function summarize(a: Action): string {
  switch (a.kind) {
    case 'file.write':
      return `write ${a.path} (mode ${a.mode.toString(8).padStart(4, '0')}${a.secret ? ', secret' : ''})`;
    case 'file.remove':
      return `remove ${a.path}`;
    case 'run':
      return a.label;
    case 'firewall.rule':
      return `${a.backend}: ${a.rule}`;
    case 'service':
      return `${a.op} ${a.unit}`;
    case 'package.install':
      return `install ${a.packages.join(', ')}`;
    case 'timer.arm':
      return `arm the dead-man timer: everything in this step rolls back in ${a.seconds} s unless proven`;
    case 'timer.disarm':
      return 'disarm the dead-man timer (the new way in is proven)';
    case 'proof':
      return `prove: ${a.what}`;
    default:
      return assertNever(a, 'action');
  }
}
