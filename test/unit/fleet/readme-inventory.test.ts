import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {groupIndex, resolveHost} from '../../../src/fleet/host-vars.js';
import {parseInventory} from '../../../src/fleet/inventory.js';
import {selectHosts} from '../../../src/fleet/patterns.js';

/** The README's fleet example, read from the README itself: it parses, and says what its comments say. */
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('\n## Fleets:'));
const ini = /```ini\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

describe("the README's inventory example", () => {
  const inv = parseInventory(ini, 'hosts.ini');
  const idx = groupIndex(inv);

  it('has the hosts it names: the canary, a range web2 ... web9, web10; --limit prod:!web10 leaves web10 out', () => {
    expect([...inv.hosts.keys()]).toEqual(['web1', ...Array.from({length: 8}, (_, i) => `web${i + 2}`), 'web10']);
    expect(selectHosts(inv, 'prod:!web10')).toEqual([
      'web1',
      'web2',
      'web3',
      'web4',
      'web5',
      'web6',
      'web7',
      'web8',
      'web9',
    ]);
  });

  it('maps the vars named like recipe values onto each host; portcullis_public_ports sets public_ports for web', () => {
    const web1 = resolveHost(inv, 'web1', idx);
    expect(web1.endpoint).toMatchObject({host: '203.0.113.11'});
    expect(web1.values).toMatchObject({admin_user: 'ops', admin_sudo: 'nopasswd', ssh_port: 2222});
    expect(web1.values.public_ports).toBeUndefined();
    const web2 = resolveHost(inv, 'web2', idx);
    expect(web2.endpoint).toMatchObject({host: 'web2', user: 'root'});
    expect(web2.values).toMatchObject({ssh_port: 2222, public_ports: ['443/tcp', '80/tcp']});
  });
});
