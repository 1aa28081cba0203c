/** Client and server certificates made with the system's openssl, for the mTLS tests. */
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The openssl binary, or `undefined` when the machine has none (the tests then skip). */
export function findOpenssl(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return "openssl";
  } catch {
    return undefined;
  }
}

export interface Pem {
  key: string;
  cert: string;
  /** base64url(SHA-256(DER)): the RFC 8705 `x5t#S256`. */
  thumbprint: string;
}

export interface Certs {
  ca: Pem;
  server: Pem;
  alice: Pem;
  bob: Pem;
}

/** RFC 8705 §3.1 thumbprint of a PEM certificate (node:crypto, independent of scopegate). */
export const thumbprintOf = (pem: string) =>
  createHash("sha256").update(new X509Certificate(pem).raw).digest("base64url");

/** A CA, a server certificate for 127.0.0.1 and two client certificates (EC P-256). */
export function makeCerts(openssl: string): Certs {
  const dir = mkdtempSync(join(tmpdir(), "scopegate-mtls-"));
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: "pipe" });
  try {
    const key = (name: string) =>
      run([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        `${name}.key`,
      ]);
    key("ca");
    run([
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-subj",
      "/CN=test-ca",
      "-days",
      "2",
      "-out",
      "ca.pem",
    ]);
    const issue = (name: string, subject: string, ext: string) => {
      key(name);
      run(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
      writeFileSync(join(dir, `${name}.ext`), ext);
      run([
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.pem`,
      ]);
    };
    issue("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    issue("alice", "/CN=alice,O=Example, Inc.", "extendedKeyUsage=clientAuth\n");
    issue("bob", "/CN=bob", "extendedKeyUsage=clientAuth\n");
    const read = (name: string): Pem => {
      const cert = readFileSync(join(dir, `${name}.pem`), "utf8");
      return {
        key: readFileSync(join(dir, `${name}.key`), "utf8"),
        cert,
        thumbprint: thumbprintOf(cert),
      };
    };
    return { ca: read("ca"), server: read("server"), alice: read("alice"), bob: read("bob") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
