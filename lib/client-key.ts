// Whom a rate limit counts: the client address, with IPv6 clients counted by their /64, since one host
// usually holds a whole /64 and could otherwise take a fresh address for every request.
import { isIPv6 } from 'node:net'
import ipaddr from 'ipaddr.js'

// The /64: the first four of an IPv6 address's eight 16-bit parts.
const PREFIX_PARTS = 4

export function clientKey (ip: string): string {
  if (!isIPv6(ip)) return ip
  const address = ipaddr.IPv6.parse(ip)
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString()
  const network = address.parts.map((part, index) => index < PREFIX_PARTS ? part : 0)
  return new ipaddr.IPv6(network).toString()
}
