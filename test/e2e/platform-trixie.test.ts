import {platformSuite} from './platform-suite.js';

// Issue 17: the fresh-vps runbook and its fault rows on the `trixie` sandbox variant (see platform-suite.ts).
platformSuite('trixie');
