// The text form of a capability as the library record holds it: pt1.<manifest hash>[.<key, base64url>].
export const CAP_RE = /^pt1\.[0-9a-f]{64}(\.[A-Za-z0-9_-]{43})?$/;
