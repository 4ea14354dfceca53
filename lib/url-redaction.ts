// Connection URLs carry passwords in more than one place; anything that logs or prints a URL passes it through here.
const MASK = '***'

// A query parameter that carries a secret: password, sslpassword, PASSWORD, ... in any letter case.
function isSecretParameter (name: string): boolean {
  return /pass(word)?|secret|token/i.test(name)
}

// The URL with every password form masked: the userinfo password (also with an empty user name) and any
// password-like query parameter. A URL that cannot be parsed is masked whole past its scheme.
export function redactUrl (url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? ''
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${scheme}${MASK}`
  }
  if (parsed.password !== '') parsed.password = MASK
  const secrets = [...parsed.searchParams.keys()].filter(isSecretParameter)
  for (const name of secrets) parsed.searchParams.set(name, MASK)
  return parsed.toString()
}
