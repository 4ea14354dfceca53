// A route at a folder's root is registered as /register and /register/ (autoload); API.md, the OpenAPI document
// and the metrics name it without the trailing slash.
export function documentedPath (routeUrl: string): string {
  return routeUrl.length > 1 && routeUrl.endsWith('/') ? routeUrl.slice(0, -1) : routeUrl
}
