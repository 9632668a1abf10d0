import {describe, expect, it} from 'vitest';
import {editableValues} from '../../../src/ui/model/editable.js';
import {EMPTY_FORM, VALUE_MAX, valueFormReducer} from '../../../src/ui/state/value-form.js';
import {initialState, wizardReducer} from '../../../src/ui/state/wizard-reducer.js';
import {ADMIN, STEPS} from './fixtures.js';

describe('editable values', () => {
  it('offers the step keys with their current text and the schema description, never admin_password', () => {
    const rows = editableValues('admin-user', {admin_user: 'admin', admin_password: 'hunter2'});
    expect(rows.map((r) => r.key)).toEqual(['admin_user', 'admin_key', 'admin_sudo']);
    expect(rows[0]).toMatchObject({text: 'admin', set: true});
    expect(rows[0]?.description).toMatch(/the sudo user who stays able to log in/);
    expect(rows[1]).toMatchObject({text: '', set: false});
    expect(JSON.stringify(rows)).not.toContain('hunter2');
    expect(editableValues('firewall', {public_ports: ['443/tcp', '80/tcp']})[0]?.text).toBe('443/tcp,80/tcp');
    expect(editableValues('preflight', {})).toEqual([]);
  });
});

describe('valueFormReducer', () => {
  const rows = editableValues('fail2ban', {fail2ban_maxretry: 3});
  it('picks within the list, opens the picked key prefilled, edits, errors, cancels', () => {
    let s = valueFormReducer(EMPTY_FORM, {type: 'move', delta: -1}, rows);
    expect(s.index).toBe(0);
    s = valueFormReducer(s, {type: 'move', delta: 5}, rows);
    expect(s.index).toBe(2);
    s = valueFormReducer({index: 0}, {type: 'open'}, rows);
    expect(s.editing).toEqual({key: 'fail2ban_maxretry', text: '3'});
    s = valueFormReducer(s, {type: 'move', delta: 1}, rows);
    expect(s.index).toBe(0);
    s = valueFormReducer(s, {type: 'delete-left'}, rows);
    s = valueFormReducer(s, {type: 'insert', text: 'x\u0007\n'}, rows);
    expect(s.editing?.text).toBe('x');
    s = valueFormReducer(s, {type: 'error', message: 'bad'}, rows);
    expect(s.editing?.error).toBe('bad');
    s = valueFormReducer(s, {type: 'insert', text: '5'}, rows);
    expect(s.editing).toEqual({key: 'fail2ban_maxretry', text: 'x5'});
    expect(valueFormReducer(s, {type: 'cancel'}, rows)).toEqual({index: 0});
    s = valueFormReducer(s, {type: 'insert', text: 'a'.repeat(VALUE_MAX + 10)}, rows);
    expect(s.editing?.text.length).toBe(VALUE_MAX);
  });
});

describe('wizardReducer: ui.edited', () => {
  it('takes the question back and marks the asked step as planned again', () => {
    let s = initialState({label: 'h', host: 'h', recipe: 'r', banner: 'b', startedAt: 0, steps: STEPS});
    s = wizardReducer(s, {type: 'step.planned', step: ADMIN});
    s = wizardReducer(s, {type: 'ui.ask', ask: {kind: 'consent', stepId: 'admin-user'}});
    expect(s.steps[1]?.status).toBe('waiting');
    s = wizardReducer(s, {type: 'ui.edited'});
    expect(s.ask).toBeUndefined();
    expect(s.steps[1]?.status).toBe('planning');
    expect(wizardReducer(s, {type: 'ui.edited'})).toBe(s);
  });
});
