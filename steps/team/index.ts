/** The team step (team-onboarding), in parts: accounts read, member keys, members planned, sshd's AllowUsers. */
export {parseAccount} from './account.js';
export {KEYS_BEGIN, KEYS_END, withMemberKey} from './member-key.js';
export {planSshdAccess, teamDropin} from './sshd-access.js';
export {type TeamParams, team} from './step.js';
