// The sandbox's certificates, made with openssl: a CA, the API server's serving certificate
// (loopback only) and one client certificate per identity. Identity = CN (user) and O (groups).
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";

function openssl(dir: string, args: string[]): void {
    childProcess.execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export interface Identity {
    /** File stem under the pki folder. */
    name: string;
    user: string;
    groups: string[];
}

export function createCa(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "7", "-subj", "/CN=welkin-sandbox-ca"]);
    // Service account tokens are signed with this key.
    openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
}

function sign(dir: string, name: string, subject: string, extensions: string): void {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "7", "-extfile", `${name}.ext`]);
}

export function createServingCert(dir: string): void {
    sign(dir, "apiserver", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
}

export function createClientCert(dir: string, id: Identity): void {
    const subject = [...id.groups.map((g) => `/O=${g}`), `/CN=${id.user}`].join("");
    sign(dir, id.name, subject, "extendedKeyUsage=clientAuth\n");
}

/** A kubeconfig with the identity's certificate embedded (as Welkin users get one per environment). */
export function kubeconfigFor(dir: string, server: string, id: Identity, contextName = "welkin-sandbox"): string {
    const b64 = (f: string) => fs.readFileSync(path.join(dir, f)).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${contextName}`,
        "clusters:",
        `- name: ${contextName}`,
        "  cluster:",
        `    server: ${server}`,
        `    certificate-authority-data: ${b64("ca.crt")}`,
        "contexts:",
        `- name: ${contextName}`,
        "  context:",
        `    cluster: ${contextName}`,
        `    user: ${id.name}`,
        "users:",
        `- name: ${id.name}`,
        "  user:",
        `    client-certificate-data: ${b64(`${id.name}.crt`)}`,
        `    client-key-data: ${b64(`${id.name}.key`)}`,
        "",
    ].join("\n");
}
