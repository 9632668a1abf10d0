import {sshdValue} from '../src/core/facts.js';
import type {Step} from '../src/core/types.js';
import {exposures, meantPublic} from '../src/platform/exposure.js';

/**
 * Preflight: read-only. Says what was found and refuses to go on where going on could lock the
 * operator out (sshd config already broken, a rollback from an interrupted run still armed).
 */
export const preflight: Step<{meantPublic: string[]}> = {
  id: 'preflight',
  title: 'Preflight',
  why: 'Know the platform and your own way in before changing anything: every later step keeps that way open until a new one is proven.',
  risk: 'safe',
  undo: 'Nothing to undo: preflight only reads.',
  params: (values) => ({meantPublic: meantPublic(values)}),
  probe: () => ({}),
  plan: ({facts, access, params}) => {
    const findings: ReturnType<Step['plan']>['findings'] = [];
    if (facts.platform === 'unknown') {
      findings.push({
        level: 'warn',
        message: `platform ${facts.os.pretty} is not one portcullis knows; plans follow its family (${facts.family})`,
      });
    }
    if (!facts.ssh.configOk) {
      findings.push({
        level: 'error',
        message: `sshd's configuration is already broken (sshd -t: ${facts.ssh.configError || 'failed'}); fix it before hardening, or sshd will not come back after a reload`,
        fix: 'sshd -t',
      });
    }
    if (facts.portcullis.armedTimers.length) {
      findings.push({
        level: 'error',
        message: `a dead-man rollback from an interrupted run is still armed (${facts.portcullis.armedTimers.join(', ')}); wait for it to fire or run \`portcullis rollback\``,
      });
    }
    if (access.kind === 'ssh' && facts.operator.authMethod && facts.operator.authMethod !== 'publickey') {
      findings.push({
        level: 'warn',
        message: `you logged in with ${facts.operator.authMethod}, not a key; password logins will be turned off, so a key for the admin user is needed`,
      });
    }
    if (facts.docker.present && facts.docker.publishedPorts.length && !facts.docker.filtered) {
      findings.push({
        level: 'warn',
        message: `Docker publishes ${facts.docker.publishedPorts.join(', ')}; published ports bypass ufw and firewalld`,
        fix: 'the docker-firewall step (tunnel only), publish on 127.0.0.1 (-p 127.0.0.1:8080:80) or add DOCKER-USER rules',
      });
    }
    if (sshdValue(facts, 'permitrootlogin') === 'yes' && sshdValue(facts, 'passwordauthentication') === 'yes') {
      findings.push({
        level: 'info',
        message: 'root can log in with a password right now: the most attacked setting on the internet',
      });
    }
    for (const e of exposures(facts, params.meantPublic)) {
      if (e.flag)
        findings.push({
          level: 'warn',
          message: `${e.process} listens on ${e.address}:${e.port}/${e.proto}, reachable from anywhere`,
          fix: e.fix,
        });
    }
    findings.push({
      level: 'info',
      message:
        'a provider (cloud) firewall may sit above this host; portcullis proves every new way in from your side, so a blocked port is caught and rolled back',
    });
    return {actions: [], findings, onRollback: []};
  },
};
