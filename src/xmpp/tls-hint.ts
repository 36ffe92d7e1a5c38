import { messageOf } from "../errors/catalog.js";

/** Node's codes for a certificate no configured CA vouches for. */
const UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_UNTRUSTED",
]);

/**
 * What to tell the user about a failed TLS handshake, by what actually failed. xmpp.caFile makes a
 * private CA (or a self-signed certificate) trusted; it cannot make a certificate valid for a name
 * it does not carry. Debian's /etc/ejabberd/ejabberd.pem is CN=ejabberd with no subjectAltName, so
 * pointing xmpp.caFile at it gets past the trust check and then fails the name check (RFC 6125
 * section 6.4: the client checks the domain against the certificate's names).
 */
export function tlsFailureMessage(error: unknown, service: string, domain: string, caFileSet: boolean): string {
  const code = (error as { code?: string }).code ?? "";
  const detail = messageOf(error);
  const head = `TLS handshake with ${service} failed: ${detail}`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /does not match certificate|altnames/i.test(detail)) {
    return `${head} (the server's certificate does not name ${domain}${caFileSet ? "; xmpp.caFile is set and trusted, but trust cannot fix a wrong name" : ""}: `
      + `give the server a certificate for ${domain}, e.g. from ejabberd's built-in ACME (acme: in ejabberd.yml) or Let's Encrypt, `
      + `or one from your own CA with subjectAltName=DNS:${domain}; see docs/servers.md)`;
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return `${head} (the server's certificate is ${code === "CERT_HAS_EXPIRED" ? "expired" : "not valid yet"}: renew it on the server, or check this machine's clock)`;
  }
  if (UNTRUSTED.has(code) || /self.signed|unable to (verify|get)/i.test(detail)) {
    return caFileSet
      ? `${head} (the CA in xmpp.caFile did not sign the server's certificate: point xmpp.caFile at the CA that did, or at the server's own self-signed certificate)`
      : `${head} (the server's certificate is not from a public CA: set xmpp.caFile to the private CA or the server's self-signed certificate; verification is never turned off)`;
  }
  return `${head}${caFileSet ? "" : " (if the server uses a private CA, set xmpp.caFile)"}`;
}
