// Whom a rate limit counts: the client address, with IPv6 clients counted by their /64, since one host
// usually holds a whole /64 and could otherwise take a fresh address for every request.
import { isIPv6 } from 'node:net'
import { Address6 } from 'ip-address'

const IPV6_PREFIX = 64

export function clientKey (ip: string): string {
  if (!isIPv6(ip)) return ip
  const address = new Address6(ip)
  if (address.isMapped4()) return address.to4().correctForm()
  return new Address6(`${address.correctForm()}/${IPV6_PREFIX}`).startAddress().correctForm()
}
