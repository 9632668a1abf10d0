import {describe, expect, it} from 'vitest';
import {parseInventory} from '../../../src/fleet/inventory.js';
import {selectHosts} from '../../../src/fleet/patterns.js';

const inv = parseInventory(
  '[web]\nweb1\nweb2\nweb3\n[db]\ndb1\ndb2\n[eu]\nweb1\ndb1\n[prod:children]\nweb\ndb\n[lab]\nlab1\n',
  'hosts.ini',
);

describe('--limit: Ansible host patterns', () => {
  it.each([
    [undefined, ['web1', 'web2', 'web3', 'db1', 'db2', 'lab1']],
    ['all', ['web1', 'web2', 'web3', 'db1', 'db2', 'lab1']],
    ['web', ['web1', 'web2', 'web3']],
    ['db2', ['db2']],
    ['db:web2', ['web2', 'db1', 'db2']],
    ['db,lab', ['db1', 'db2', 'lab1']],
    ['prod:!eu', ['web2', 'web3', 'db2']],
    ['!eu:prod', ['web2', 'web3', 'db2']],
    ['!lab', ['web1', 'web2', 'web3', 'db1', 'db2']],
    ['prod:&eu', ['web1', 'db1']],
    ['web*', ['web1', 'web2', 'web3']],
    ['*1', ['web1', 'db1', 'lab1']],
  ])('%s selects %j in inventory order', (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });

  it('refuses a term that matches nothing, so a typo in an exclusion never widens the run', () => {
    expect(() => selectHosts(inv, 'prod:!prdo')).toThrow(/prdo matches no host or group/);
    expect(() => selectHosts(inv, '~web.*')).toThrow(/regular expressions/);
  });
});
