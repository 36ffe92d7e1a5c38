import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Certificates {
  /** The private CA's certificate: what a client trusts (xmpp.caFile). */
  readonly caFile: string;
  /** Server certificate chain and key in one PEM, the form ejabberd's `certfiles` reads. */
  readonly serverPem: string;
}

/**
 * A private CA and a server certificate it signs. `names` become the subjectAltName DNS entries;
 * with none it is CN=ejabberd without a SAN, as Debian's /etc/ejabberd/ejabberd.pem, which no
 * client can verify for a domain
 * (RFC 6125 section 6.4.4: a client checks the SAN, and the CN only when there is no SAN at all).
 */
export function makeCertificates(dir: string, domain: string, names: readonly string[]): Certificates {
  const file = (name: string): string => join(dir, name);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=xmpp-iot test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", file("ca.key"), "-out", file("ca.crt")]);
  const subject = names.length > 0 ? `/CN=${domain}` : "/CN=ejabberd";
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", file("server.key"), "-out", file("server.csr")]);
  const extensions = ["basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth",
    ...(names.length > 0 ? [`subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`] : [])];
  writeFileSync(file("server.ext"), `${extensions.join("\n")}\n`);
  openssl(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial",
    "-days", "2", "-extfile", file("server.ext"), "-out", file("server.crt")]);
  const serverPem = file("server.pem");
  writeFileSync(serverPem, readFileSync(file("server.crt"), "utf8") + readFileSync(file("server.key"), "utf8"), { mode: 0o600 });
  return { caFile: file("ca.crt"), serverPem };
}

function openssl(args: readonly string[]): void {
  const result = spawnSync("openssl", args, { encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}
