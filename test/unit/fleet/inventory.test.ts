import {describe, expect, it} from 'vitest';
import {groupIndex, resolveHost} from '../../../src/fleet/host-vars.js';
import {hostsOfGroup, type Inventory, parseInventory} from '../../../src/fleet/inventory.js';

const INI = `# a fleet
bastion.example.com

[web]
web[1:3] ansible_user=root   # three of them
web4 ansible_host=203.0.113.14 ansible_port=2200 portcullis_ssh_port=2424

[db]
db1 ansible_host="203.0.113.21" ssh_port=2201 # the database

[prod:children]
web
db

[prod:vars]
admin_user = ops
ssh_port=2222
public_ports=443/tcp,80/tcp

[web:vars]
ssh_port=2223
admin_sudo="nopasswd"
`;

const YAML = `all:
  hosts:
    bastion.example.com:
  children:
    prod:
      vars:
        admin_user: ops
        ssh_port: 2222
        public_ports: [443/tcp, 80/tcp]
      children:
        web:
          hosts:
            web[1:3]:
              ansible_user: root
            web4:
              ansible_host: 203.0.113.14
              ansible_port: 2200
              portcullis_ssh_port: 2424
          vars:
            ssh_port: 2223
            admin_sudo: nopasswd
        db:
          hosts:
            db1:
              ansible_host: 203.0.113.21
              ssh_port: 2201
`;

// What `ansible-inventory -i hosts.ini --list --export` prints for the same fleet (group vars kept in groups).
const JSON_LIST = JSON.stringify({
  _meta: {
    hostvars: {
      web1: {ansible_user: 'root'},
      web2: {ansible_user: 'root'},
      web3: {ansible_user: 'root'},
      web4: {ansible_host: '203.0.113.14', ansible_port: 2200, portcullis_ssh_port: 2424},
      db1: {ansible_host: '203.0.113.21', ssh_port: 2201},
    },
  },
  all: {children: ['ungrouped', 'prod']},
  ungrouped: {hosts: ['bastion.example.com']},
  prod: {children: ['web', 'db'], vars: {admin_user: 'ops', ssh_port: 2222, public_ports: ['443/tcp', '80/tcp']}},
  web: {hosts: ['web1', 'web2', 'web3', 'web4'], vars: {ssh_port: 2223, admin_sudo: 'nopasswd'}},
  db: {hosts: ['db1']},
});

function resolved(inv: Inventory) {
  const idx = groupIndex(inv);
  return [...inv.hosts.keys()].map((h) => resolveHost(inv, h, idx));
}

describe('inventory: INI, YAML and ansible-inventory JSON read the same fleet', () => {
  for (const [format, text, file] of [
    ['ini', INI, 'hosts'],
    ['yaml', YAML, 'hosts.yml'],
    ['json', JSON_LIST, 'inv.json'],
  ] as const) {
    it(`${format}: hosts, groups, ways in, and recipe values with Ansible's precedence`, () => {
      const inv = parseInventory(text, file);
      expect(inv.format).toBe(format);
      expect([...inv.hosts.keys()].sort()).toEqual(['bastion.example.com', 'db1', 'web1', 'web2', 'web3', 'web4']);
      expect([...hostsOfGroup(inv, 'prod')].sort()).toEqual(['db1', 'web1', 'web2', 'web3', 'web4']);
      expect([...hostsOfGroup(inv, 'ungrouped')]).toEqual(['bastion.example.com']);
      const hosts = Object.fromEntries(resolved(inv).map((h) => [h.name, h]));
      expect(hosts.web2?.endpoint).toEqual({host: 'web2', user: 'root', port: undefined});
      // The child group (web) beats its parent (prod); admin_user comes from prod.
      expect(hosts.web2?.values).toEqual({
        admin_user: 'ops',
        ssh_port: 2223,
        admin_sudo: 'nopasswd',
        public_ports: ['443/tcp', '80/tcp'],
      });
      // ansible_host/ansible_port are the way in; portcullis_ssh_port beats every ssh_port.
      expect(hosts.web4?.endpoint).toEqual({host: '203.0.113.14', port: 2200, user: undefined});
      expect(hosts.web4?.values.ssh_port).toBe(2424);
      // A host var beats the group vars.
      expect(hosts.db1?.values.ssh_port).toBe(2201);
      expect(hosts.db1?.endpoint.host).toBe('203.0.113.21');
      expect(hosts['bastion.example.com']?.values).toEqual({});
    });
  }

  it('reads INI host ranges with leading zeros, letters and a stride', () => {
    const inv = parseInventory('[a]\nweb[01:03]\ndb-[a:c]\nx[0:10:5]\n', 'h.ini');
    expect([...inv.hosts.keys()]).toEqual(['web01', 'web02', 'web03', 'db-a', 'db-b', 'db-c', 'x0', 'x5', 'x10']);
  });

  it.each([
    ['[web]\nweb1 ssh_port=22abc\n', /host web1: ssh_port=22abc: expected a whole number/],
    ['[web]\nweb1 ansible_host="a;reboot"\n', /ansible_host "a;reboot" is not a host name/],
    ['[web]\nweb1 ansible_port=70000\n', /ansible_port 70000 is out of range/],
    ['[web]\nweb1 ansible_user=Root\n', /ansible_user "Root" is not a valid login name/],
    ['[web]\nweb1 portcullis_sh_port=2222\n', /portcullis_sh_port: portcullis has no recipe value sh_port/],
    ['[web]\nweb1 ansible_connection=local\n', /over ssh only/],
    ['[web]\nweb1 ansible_ssh_private_key_file=/nonexistent/key\n', /cannot be read/],
    ["[web]\nweb1 admin_user='a b'\n", /admin_user: a login name/],
  ])('refuses %j before connecting (exit 2)', (text, msg) => {
    const inv = parseInventory(text, 'h.ini');
    let err: unknown;
    try {
      resolved(inv);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(msg);
    expect((err as {exitCode?: number}).exitCode).toBe(2);
  });

  it.each([
    ['[web\nweb1\n', /h.ini:1: "\[web" is not a host name/],
    ['[web]\nweb1 "unterminated\n', /h.ini:2: unterminated/],
    ['[a:children]\nb\n[b:children]\na\n[b]\nh\n', /children of each other/],
    ['[web:wat]\nweb1\n', /h.ini:1: \[web:wat\] is not/],
    ['[web]\nweb[3:1]\n', /ends before it starts/],
  ])('refuses a malformed INI inventory with its line: %j', (text, msg) => {
    expect(() => parseInventory(text, 'h.ini')).toThrow(msg);
  });

  it('refuses unknown keys in a YAML group and a JSON host list that is not a list', () => {
    expect(() => parseInventory('all:\n  host:\n    a:\n', 'i.yml')).toThrow(/unknown key host/);
    expect(() => parseInventory('{"web": {"hosts": "a"}}', 'i.json')).toThrow(/a list of host names/);
  });
});
