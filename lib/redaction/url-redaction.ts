// Connection URLs carry passwords in more than one place, request URLs may carry tokens: anything that logs or prints a
// URL, or a text that may quote one (an error message), passes it through here.
const MASK = '***'

// A query parameter that carries a secret: password, sslpassword, access_token, api_key, ... in any letter case.
function isSecretParameter (name: string): boolean {
  return /pass|secret|token|jwt|key|auth|credential|sig/i.test(name)
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

// scheme://user:password@ inside any text; the password runs to the last @ before the host (it may hold an @ itself).
const USERINFO_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/g
// name=value after ? & or ; (a query string, in a URL or quoted in a message).
const QUERY_PARAMETER = /([?&;])([^=&;\s#"'?]+)=([^&;\s#"']*)/g
// A JWT (header.payload.signature, base64url, the header always starts {" which encodes as eyJ) or a Bearer credential.
const JWT = /\beyJ[\w-]{4,}\.[\w-]+\.[\w-]*/g
const BEARER = /\b(Bearer\s+)[\w.~+/-]+=*/gi

function decodedName (name: string): string {
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

// Every secret a text may quote: URL passwords, secret-like query parameters, JWTs and Bearer credentials. For request
// URLs as they arrive (path and query) and for the messages of errors from outside (Redis, PostgreSQL).
export function redactSecrets (text: string): string {
  return text
    .replace(USERINFO_PASSWORD, `$1:${MASK}@`)
    .replace(QUERY_PARAMETER, (whole, separator: string, name: string, value: string) => isSecretParameter(decodedName(name))
      // A URL quoted in a sentence keeps the punctuation that follows it.
      ? `${separator}${name}=${MASK}${/[:,.)]$/.exec(value)?.[0] ?? ''}`
      : whole)
    .replace(JWT, MASK)
    .replace(BEARER, `$1${MASK}`)
}
