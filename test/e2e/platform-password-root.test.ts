import {platformSuite} from './platform-suite.js';

// Issue 17: the fresh-vps runbook and its fault rows on a VPS whose root has a password only (see platform-suite.ts).
platformSuite('password-root');
