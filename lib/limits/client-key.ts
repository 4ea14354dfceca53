// Whom a rate limit counts: the client address, with IPv6 clients counted by their /64, since one host
// usually holds a whole /64 and could otherwise take a fresh address for every request.
import { isIPv6 } from 'node:net'
import ipaddr from 'ipaddr.js'

// The /64: the first four of an IPv6 address's eight 16-bit parts.
const PREFIX_PARTS = 4

function isNat64 (parts: number[]): boolean {
  return parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((part) => part === 0)
}

export function clientKey (ip: string): string {
  if (!isIPv6(ip)) return ip
  const address = ipaddr.IPv6.parse(ip)
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString()
  // NAT64 (RFC 6052's well-known prefix 64:ff9b::/96): each address carries one IPv4 client in its last 32 bits.
  if (isNat64(address.parts)) {
    const [high = 0, low = 0] = address.parts.slice(6)
    return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]).toString()
  }
  const network = address.parts.map((part, index) => index < PREFIX_PARTS ? part : 0)
  return new ipaddr.IPv6(network).toString()
}
