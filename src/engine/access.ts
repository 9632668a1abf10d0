import type {Facts} from '../core/facts.js';
import type {Access} from '../core/types.js';
import type {Target} from '../target/types.js';

export function accessOf(target: Target | undefined, facts: Facts): Access {
  if (target) return {user: target.user, host: target.host, port: target.port, kind: target.kind};
  return {
    user: facts.operator.loginUser,
    host: facts.operator.serverAddress ?? '203.0.113.5',
    port: facts.operator.serverPort ?? 22,
    kind: 'ssh',
  };
}
