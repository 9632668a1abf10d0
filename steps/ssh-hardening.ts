import {type Facts, sshPorts} from '../src/core/facts.js';
import type {Action, Finding, Step} from '../src/core/types.js';
import {openPortInActiveFirewall, sshReload, sshReloadBack, sshSocketDropin} from '../src/platform/adapters.js';
import {
  adjustMainConfig,
  expectedEffective,
  notShownBySshd,
  renderSshdDropin,
  renderSshSocketDropin,
  type SshdSettings,
  sshdChecks,
} from '../src/render/sshd.js';
import {cidr} from '../src/util/validate.js';
import {insideNetwork} from '../src/wg/subnet.js';

export interface SshParams {
  admin?: string;
  port?: number;
  settings: Omit<SshdSettings, 'ports'>;
  /** The tunnel network (wg_subnet): exempt from PerSourcePenalties, as fail2ban never bans it. */
  tunnel?: string;
  timeout: number;
}

const MAIN = '/etc/ssh/sshd_config';

/** A name that sorts before every drop-in the platform ships (macOS ships 100-macos.conf, so 000- there). */
export function dropinName(f: Facts): string {
  return f.family === 'macos' ? '000-portcullis.conf' : '00-portcullis.conf';
}

export const sshHardening: Step<SshParams> = {
  id: 'ssh-hardening',
  title: 'SSH hardening',
  why: 'Passwords and root logins are what bots try first; key-only SSH for a named admin makes that noise harmless. A moved port is proven before the old one closes.',
  risk: 'lockout',
  requires: ['admin-user'],
  undo: 'The dead-man timer (or a failed proof) restores /etc/ssh byte for byte and reloads sshd; `portcullis rollback` does the same later.',
  params(values, facts) {
    const admin = values.admin_user;
    return {
      admin,
      ...(values.wg_subnet !== undefined ? {tunnel: values.wg_subnet} : {}),
      port: values.ssh_port,
      timeout: values.confirm_timeout,
      settings: {
        permitRootLogin: values.permit_root_login,
        passwordAuthentication: values.password_authentication,
        x11Forwarding: values.x11_forwarding,
        maxAuthTries: values.max_auth_tries,
        clientAliveInterval: values.client_alive_interval,
        clientAliveCountMax: values.client_alive_count_max,
        allowUsers: values.allow_users,
        allowTcpForwarding: values.allow_tcp_forwarding,
        allowAgentForwarding: values.allow_agent_forwarding,
        modernCrypto: values.modern_crypto,
        penaltyExempt: facts.operator.clientAddress
          ? `${facts.operator.clientAddress}/${facts.operator.clientAddress.includes(':') ? 128 : 32}`
          : undefined,
      },
    };
  },
  probe: (f) => ({
    files: [MAIN, `${f.ssh.dropinDir}/${dropinName(f)}`, ...(sshSocketDropin(f) ? [sshSocketDropin(f) as string] : [])],
    queries: {
      port_lines: `grep -HiE '^[[:space:]]*(Port|ListenAddress)[[:space:]]' ${f.ssh.dropinDir}/* 2>/dev/null; true`,
    },
  }),
  offline: (f) => ({
    files: {
      [MAIN]: {
        exists: true,
        mode: 0o644,
        content: `${f.ssh.mainHasInclude ? `Include ${f.ssh.dropinDir}/*${f.family === 'macos' ? '' : '.conf'}\n\n` : ''}#Port 22\n#PermitRootLogin prohibit-password\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n`,
      },
    },
  }),
  assume({facts, params: p}) {
    // What sshd -T shows once the drop-in is in: the later steps' dry runs see the moved port.
    const s = {...p.settings, ports: p.port !== undefined ? [p.port] : []};
    const effective = {...facts.ssh.effective};
    for (const line of expectedEffective(s, facts.ssh.version)) {
      const [k = '', ...rest] = line.split(' ');
      effective[k] = k === 'allowusers' ? rest : [rest.join(' ')];
    }
    if (p.port !== undefined) effective.port = [String(p.port)];
    const listeners = facts.listeners.filter((l) => !(l.process === 'sshd' && l.proto === 'tcp'));
    if (p.port !== undefined)
      listeners.push(
        {proto: 'tcp', address: '0.0.0.0', port: p.port, process: 'sshd'},
        {proto: 'tcp', address: '::', port: p.port, process: 'sshd'},
      );
    return {
      facts: {...facts, ssh: {...facts.ssh, effective}, listeners: p.port !== undefined ? listeners : facts.listeners},
    };
  },
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    const dir = facts.ssh.dropinDir;
    const path = `${dir}/${dropinName(facts)}`;
    const current = sshPorts(facts);
    const proofUser = p.admin ?? access.user;
    if (proofUser === 'root' && p.settings.permitRootLogin === 'no') {
      findings.push({
        level: 'error',
        message:
          'root login would be turned off with no other user to log in as: set admin_user (--set admin_user=NAME)',
      });
    }
    if (p.settings.allowUsers.length && !p.settings.allowUsers.includes(proofUser)) {
      findings.push({
        level: 'error',
        message: `allow_users (${p.settings.allowUsers.join(', ')}) leaves out ${proofUser}, the user who must stay able to log in`,
      });
    }
    const moving = p.port !== undefined && !(current.length === 1 && current[0] === p.port);
    if (moving && facts.family === 'macos') {
      findings.push({
        level: 'error',
        message:
          'macOS: launchd owns the SSH listening socket (port 22) and its plist is protected by SIP; portcullis cannot move the port there. Leave ssh_port unset.',
      });
    }
    const otherPortFiles = (probe.queries.port_lines?.out ?? '')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith(`${path}:`));
    if (p.port !== undefined && otherPortFiles.length) {
      findings.push({
        level: 'error',
        message: `another drop-in sets Port or ListenAddress (${otherPortFiles.join('; ')}); Port lines add up, so the move cannot be made safely. Remove it first.`,
      });
    }
    const earlier = facts.ssh.dropins.filter((d) => d !== dropinName(facts) && d < dropinName(facts));
    if (earlier.length)
      findings.push({
        level: 'warn',
        message: `${earlier.join(', ')} sort(s) before our drop-in; sshd -T decides, and a setting they override stops the step`,
      });
    if (findings.some((f) => f.level === 'error')) return {actions, findings, onRollback: []};

    const mainText = probe.files[MAIN]?.content ?? '';
    const mainHasPort = /^\s*Port\s+/im.test(mainText);
    const needInclude = !facts.ssh.mainHasInclude;
    const includeGlob = facts.family === 'macos' ? `${dir}/*` : `${dir}/*.conf`;
    const finalPorts = p.port !== undefined ? [p.port] : [];
    const v = facts.ssh.version;
    // OpenSSH >= 9.8: the addresses exempt from PerSourcePenalties accumulate (the operator came in from another
    // address before, say publicly, now through the tunnel): a re-run from elsewhere changes nothing and drops none.
    const settings = {
      ...p.settings,
      penaltyExempt: keptExempt(probe.files[path]?.content, p.settings.penaltyExempt, p.tunnel),
    };
    const finalText = renderSshdDropin({...settings, ports: finalPorts}, v);
    const expectedFinal = expectedEffective({...settings, ports: finalPorts}, v);
    // Under socket activation without Ubuntu's generator, the socket's own drop-in carries the ports.
    const socketPath = p.port !== undefined ? sshSocketDropin(facts) : undefined;
    const socketSame =
      socketPath === undefined || probe.files[socketPath]?.content === renderSshSocketDropin(finalPorts);
    const fileSame = probe.files[path]?.exists && probe.files[path]?.content === finalText && socketSame;
    if (fileSame && !needInclude && !(p.port !== undefined && mainHasPort) && !moving) {
      const missing = notShownBySshd(facts.ssh.effective, expectedFinal);
      if (missing.length)
        findings.push({
          level: 'error',
          message: `our drop-in is in place but sshd -T does not show: ${missing.join(', ')}; an earlier drop-in or a Match block wins`,
        });
      return {actions, findings, onRollback: []};
    }

    const onRollback = sshReloadBack(facts);
    const persist: Action[] = [];
    actions.push({kind: 'timer.arm', seconds: p.timeout});
    if (moving && p.port !== undefined) {
      const fw = openPortInActiveFirewall(facts, p.port, 'ssh (new port)');
      actions.push(...fw.actions);
      onRollback.push(...fw.undo);
      persist.push(...fw.persist);
      if (facts.selinux === 'enforcing') {
        actions.push({
          kind: 'run',
          label: `label port ${p.port} for sshd in SELinux (ssh_port_t)`,
          argv: [
            'sh',
            '-c',
            'semanage port -a -t ssh_port_t -p tcp "$1" 2>/dev/null || semanage port -m -t ssh_port_t -p tcp "$1"',
            'sh',
            String(p.port),
          ],
        });
        onRollback.push({
          kind: 'run',
          argv: ['semanage', 'port', '-d', '-t', 'ssh_port_t', '-p', 'tcp', String(p.port)],
          orTrue: true,
        });
      }
    }
    const phaseAPorts = moving && p.port !== undefined ? [...new Set([...current, p.port])] : finalPorts;
    const phaseA = {...settings, ports: phaseAPorts};
    actions.push({kind: 'file.write', path, content: renderSshdDropin(phaseA, v), mode: 0o600});
    if (socketPath)
      actions.push({kind: 'file.write', path: socketPath, content: renderSshSocketDropin(phaseAPorts), mode: 0o644});
    if (needInclude || (p.port !== undefined && mainHasPort)) {
      actions.push({
        kind: 'file.write',
        path: MAIN,
        content: adjustMainConfig(mainText, includeGlob, needInclude, p.port !== undefined),
        mode: probe.files[MAIN]?.mode ?? 0o644,
      });
    }
    actions.push(...sshdChecks(expectedEffective(phaseA, v)));
    actions.push(...sshReload(facts, moving));
    const provePort = moving ? p.port : access.port;
    actions.push({
      kind: 'proof',
      route: {user: proofUser, port: provePort},
      what: `${proofUser} logs in with a key on port ${provePort}`,
    });
    if (moving) {
      actions.push({kind: 'file.write', path, content: finalText, mode: 0o600});
      if (socketPath)
        actions.push({kind: 'file.write', path: socketPath, content: renderSshSocketDropin(finalPorts), mode: 0o644});
      actions.push(...sshdChecks(expectedFinal));
      actions.push(...sshReload(facts, true));
      actions.push({
        kind: 'proof',
        route: {user: proofUser, port: p.port},
        what: `${proofUser} still logs in on port ${p.port} with port ${current.join(', ')} closed`,
      });
    }
    actions.push(...persist, {kind: 'timer.disarm'});
    return {actions, findings, onRollback};
  },
};

/**
 * PerSourcePenaltyExemptList: what our drop-in on the target has (read from there: only well-formed networks are
 * kept), the tunnel network, and this run's address unless a listed IPv4 network holds it already (a re-run through
 * the tunnel then changes nothing), in that order, each once.
 */
export function keptExempt(
  dropin: string | undefined,
  current: string | undefined,
  tunnel?: string,
): string | undefined {
  const line = /^PerSourcePenaltyExemptList[ \t]+(\S+)[ \t]*$/m.exec(dropin ?? '')?.[1] ?? '';
  const list = line.split(',').filter((n) => {
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(n)) return false;
    try {
      cidr(n, 'exempt network');
      return true;
    } catch {
      return false;
    }
  });
  if (tunnel) {
    const t = cidr(tunnel, 'wg_subnet');
    const net = `${t.address}/${t.prefix}`;
    if (!list.includes(net)) list.push(net);
  }
  const address = current?.split('/')[0];
  const held = list.some((n) => n === current || (!n.includes(':') && insideNetwork(address, n)));
  if (current && !held) list.push(current);
  return list.length ? list.join(',') : undefined;
}
