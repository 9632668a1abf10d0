import {describe, expect, it} from 'vitest';
import {recipeKeys} from '../../../src/cli/completion/recipe-keys.js';
import {loadRecipe} from '../../../src/recipes/load.js';
import {valuesSchema} from '../../../src/recipes/schema.js';
import {STEPS, stepsFor} from '../../../steps/index.js';

describe('the --set keys of a recipe (completion)', () => {
  it('every key of the values schema is read by some step, so each completes for some recipe', () => {
    expect(recipeKeys(STEPS)).toEqual(Object.keys(valuesSchema.shape));
  });

  it('are the keys its steps read: fresh-vps has ssh_port and no lockdown keys; incident-lockdown the reverse', () => {
    const keys = (name: string) => recipeKeys(stepsFor(loadRecipe(name).steps));
    expect(keys('fresh-vps')).toEqual(
      expect.arrayContaining(['admin_user', 'ssh_port', 'wg_subnet', 'fail2ban_bantime']),
    );
    expect(keys('fresh-vps')).not.toContain('ban');
    expect(keys('incident-lockdown')).toEqual(
      expect.arrayContaining(['ban', 'terminate_sessions', 'lockdown_allow_from']),
    );
    expect(keys('incident-lockdown')).not.toContain('ssh_port');
    expect(keys('team-onboarding')).toContain('team_file');
  });
});
