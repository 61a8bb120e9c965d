/**
 * Test certificates made with the `openssl` CLI (Node has no X.509 writer):
 * a CA and a server certificate it issues for 127.0.0.1 (the TLS registry),
 * and a self-signed ECDSA P-256 certificate (the token issuer's signing key,
 * which the registry trusts as `auth.token.rootcertbundle`).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed P-256 certificate for `cn`, valid for a day: `<name>.crt`, `<name>.key` (PKCS#8 PEM). */
export function selfSignedP256(dir: string, name: string, cn: string): CertFiles {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${cn}`], dir);
  return { certFile, keyFile };
}

/** A test CA (`ca.crt`) and a server certificate it signs for IP 127.0.0.1 and localhost (`server.crt`/`server.key`). */
export function testCaAndServer(dir: string): { ca: CertFiles; server: CertFiles } {
  const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.keyFile, '-out', ca.certFile, '-days', '1', '-subj', '/CN=Cairn test registry CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const server = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  const csr = join(dir, 'server.csr');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', server.keyFile, '-out', csr, '-subj', '/CN=127.0.0.1'], dir);
  const ext = join(dir, 'server.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', server.certFile, '-days', '1', '-extfile', ext], dir);
  return { ca, server };
}

/**
 * A self-signed P-256 certificate naming a signer as Fulcio does: an empty
 * subject is not allowed by openssl, so CN=`cn`, with `email` and `uri` as
 * subject alternative names: `<name>.crt`, `<name>.key`.
 */
export function identityCertP256(dir: string, name: string, cn: string, email: string, uri: string): CertFiles {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/O=Cairn tests/CN=${cn}`, '-addext', `subjectAltName=email:${email},URI:${uri}`], dir);
  return { certFile, keyFile };
}
