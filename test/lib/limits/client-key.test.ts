// Whom the rate limits and the login throttle count: an IPv4 address as it is, an IPv6 host by its /64 (in any
// spelling of the address), and an IPv4 client that reaches a dual-stack socket as itself.
import { test } from 'tap'
import { clientKey } from '../../../lib/limits/client-key.js'

test('IPv4 addresses, and what is not an address, are counted as they are', async (t) => {
  t.equal(clientKey('203.0.113.7'), '203.0.113.7')
  t.equal(clientKey('127.0.0.1'), '127.0.0.1')
  t.equal(clientKey('not-an-ip'), 'not-an-ip')
})

test('every address of one IPv6 /64 is one client, however it is written', async (t) => {
  const spellings = [
    '2001:db8:aaaa:bbbb::1',
    '2001:db8:aaaa:bbbb:ffff:ffff:ffff:ffff',
    '2001:0DB8:AAAA:BBBB:0000:0000:0000:0002',
    '2001:db8:aaaa:bbbb:1234:5678:9abc:def0',
    '2001:db8:aaaa:bbbb::3%eth0'
  ]
  t.same(spellings.map(clientKey), spellings.map(() => '2001:db8:aaaa:bbbb::'))
})

test('neighbouring /64s are different clients', async (t) => {
  t.equal(clientKey('2001:db8:aaaa:bbbc::1'), '2001:db8:aaaa:bbbc::')
  t.equal(clientKey('2001:db8:0:1::1'), '2001:db8:0:1::')
  t.equal(clientKey('2001:db8::1'), '2001:db8::')
  t.equal(clientKey('::1'), '::')
})

test('an IPv4-mapped IPv6 address is the IPv4 client itself', async (t) => {
  t.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7')
  t.equal(clientKey('::ffff:cb00:7107'), '203.0.113.7')
  t.equal(clientKey('0:0:0:0:0:FFFF:203.0.113.7'), '203.0.113.7')
})

test('a NAT64 address (64:ff9b::/96) is the IPv4 client it carries, not one /64 for every client of the gateway', async (t) => {
  t.equal(clientKey('64:ff9b::cb00:7107'), '203.0.113.7')
  t.equal(clientKey('64:ff9b::203.0.113.8'), '203.0.113.8')
  t.equal(clientKey('0064:FF9B:0000:0000:0000:0000:C633:6401'), '198.51.100.1')
  t.not(clientKey('64:ff9b::cb00:7107'), clientKey('64:ff9b::cb00:7108'), 'two IPv4 clients behind one gateway are two clients')
  t.equal(clientKey('64:ff9b:1::1'), '64:ff9b:1::', 'the local-use prefix 64:ff9b:1::/48 is an ordinary IPv6 /64')
})
