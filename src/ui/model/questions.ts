import {parseSets} from '../../recipes/load.js';

/** One choice of a pick list: the value it sets, what it is, and what it trades away. */
export interface Choice {
  value: string;
  label: string;
  trade: string;
}

/**
 * A value the run needs from the operator before a step can plan (the admin's name on a root-only
 * VPS): typed text with a default, a pick list, or a secret typed twice and shown as dots.
 */
export type Question =
  | {kind: 'text'; key: string; title: string; about: string; initial: string}
  | {kind: 'choice'; key: string; title: string; about: string; choices: readonly Choice[]}
  | {kind: 'secret'; key: string; title: string; about: string};

/** The name offered for a new admin user (Enter takes it). */
export const DEFAULT_ADMIN = 'admin';

/** Passwords shorter than this are refused (sudo's own password for a server on the internet). */
export const MIN_PASSWORD = 8;

/** The question for a value a step needs; undefined for a value the wizard does not ask for. */
export function questionFor(key: string, values: Record<string, unknown>): Question | undefined {
  const user = typeof values.admin_user === 'string' ? values.admin_user : DEFAULT_ADMIN;
  switch (key) {
    case 'admin_user':
      return {
        kind: 'text',
        key,
        title: 'Name the admin user who stays',
        about:
          'You log in as root, and this run turns root login off. The admin user gets your key (the one this session uses) and must log in with it before anything else changes. An existing user is kept as it is.',
        initial: DEFAULT_ADMIN,
      };
    case 'admin_sudo':
      return {
        kind: 'choice',
        key,
        title: `How ${user} uses sudo`,
        about: `${user} is new: say how it becomes root.`,
        choices: [
          {
            value: 'password',
            label: `sudo asks for ${user}'s password (set next)`,
            trade: `a stolen key, or a process running as ${user}, still needs the password to become root; you type it for sudo, and portcullis asks for it when it connects as ${user}`,
          },
          {
            value: 'nopasswd',
            label: 'sudo without a password',
            trade: `no password to type or lose, but any process running as ${user} (a compromised agent, a package's install script) becomes root without asking`,
          },
        ],
      };
    case 'admin_password':
      return {
        kind: 'secret',
        key,
        title: `Set the sudo password of ${user}`,
        about: `Typed twice, shown as dots, never saved: not in answers files, the journal or your shell history. At least ${MIN_PASSWORD} characters.`,
      };
    case 'ssh_port':
      return {
        kind: 'text',
        key,
        title: 'Another port for SSH',
        about: `Port ${String(values.ssh_port ?? '')} did not answer from here (a provider firewall or your network may drop it). Pick one they let through, 1024-65535; 22 keeps the usual port.`,
        initial: '',
      };
    case 'service_unit':
      return {
        kind: 'text',
        key,
        title: "Name the agent's systemd unit",
        about:
          'The unit of the service this server runs for you (an AI agent gateway, say), like openclaw-gateway.service: it gets an account of its own, no root. Never sshd or another unit your way in depends on.',
        initial: '',
      };
    case 'service_user':
      return {
        kind: 'text',
        key,
        title: `The account ${typeof values.service_unit === 'string' ? values.service_unit : 'the unit'} runs as`,
        about:
          "A service account: made when missing, with no password and no login shell. Not root, and not a person's account (one with a password is refused).",
        initial: '',
      };
    default:
      return undefined;
  }
}

/**
 * Checks an answer as `--set key=value` checks it: the value to use, or why not. A secret's own text
 * never appears in the reason.
 */
export function checkAnswer(q: Question, text: string): {value: unknown} | {error: string} {
  // A pick list's answer is one of its own values (what to do next, or a recipe enum's value).
  if (q.kind === 'choice' && q.key.startsWith('_')) {
    return q.choices.some((c) => c.value === text) ? {value: text} : {error: `pick one of the ${q.choices.length}`};
  }
  if (q.kind === 'secret') {
    if (Array.from(text).length < MIN_PASSWORD) return {error: `at least ${MIN_PASSWORD} characters, please`};
    try {
      return {value: parseSets([`${q.key}=${text}`])[q.key]};
    } catch {
      return {error: 'a password on one line, without control characters'};
    }
  }
  const t = q.kind === 'text' && text.trim() === '' ? q.initial : text.trim();
  try {
    return {value: parseSets([`${q.key}=${t}`])[q.key]};
  } catch (e) {
    return {error: (e as Error).message.replace(/^--set /, '')};
  }
}

/** What to do after `n`/Esc at a step's review, or after a step was rolled back. */
export type NextMove = 'skip' | 'stop' | 'back' | 'retry' | 'port';

/**
 * The pick list after the operator declined a step (`declined`) or after it was rolled back: skip it
 * (only when no later step needs it), go back to its review or retry it, another port (a new SSH port
 * that was unreachable), or stop the run here.
 */
export function nextMoveQuestion(o: {
  title: string;
  declined: boolean;
  canSkip: boolean;
  /** Who needs the step, when it cannot be skipped. */
  neededBy?: string;
  otherPort?: number;
  /** A read-only step (its proof failed): it changed nothing, so nothing was restored. */
  readOnly?: boolean;
}): Question {
  const choices: Choice[] = [];
  if (o.declined)
    choices.push({
      value: 'back',
      label: `back to the review of ${o.title}`,
      trade: 'nothing changes until you apply it',
    });
  else
    choices.push({
      value: 'retry',
      label: `retry ${o.title}`,
      trade: 'planned again from what the server is now, and asked again before anything changes',
    });
  if (o.otherPort !== undefined)
    choices.push({
      value: 'port',
      label: `another port than ${o.otherPort}`,
      trade: 'a port your provider or network lets through; SSH hardening is planned again with it',
    });
  if (o.canSkip)
    choices.push({
      value: 'skip',
      label: `skip ${o.title} and go on`,
      trade: 'nothing of it changes; you can run it later with the same command',
    });
  choices.push({
    value: 'stop',
    label: 'stop the run here',
    trade: 'the steps already done stay applied; the finish screen says how to undo them',
  });
  return {
    kind: 'choice',
    key: '_next',
    title: o.declined
      ? `Not applying ${o.title}: what next?`
      : o.readOnly
        ? `${o.title} did not prove it: what next?`
        : `${o.title} was rolled back: what next?`,
    about: `${o.declined ? 'Nothing of it has changed.' : o.readOnly ? 'It changes nothing on the server: there was nothing to restore.' : 'Everything it changed has been restored.'}${o.canSkip ? '' : ` It cannot be skipped: ${o.neededBy ?? 'a later step'} needs it.`}`,
    choices,
  };
}
