export {LOCKDOWN_SSHD, lockdownDropin, passwordsOffLines} from './sshd.js';
export {lockdown} from './step.js';
