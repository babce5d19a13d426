import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { connectionFromKubeconfig, resolveKubeConnection } from "../components/kube/connection";
import { delegationProvider, DelegationProps } from "../components/adminDelegation/provider";
import {
    addSubjects,
    RbacSubject,
    removeSubjects,
    RoleBindingApi,
    RoleBindingDocument,
    updateSubjects,
} from "../components/adminDelegation/subjects";
import { delegatedSubjects } from "../components/adminDelegation/resource";
import { FakeKubeApi, tokenKubeconfig } from "./support/fakeKubeApi";

const alice: RbacSubject = { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice@example.com" };
const devs: RbacSubject = { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "developers" };
const ours = delegatedSubjects("flux-system");
const kustomizeSa = ours[0];
const helmSa = ours[1];

describe("admin delegation: subject merge", () => {
    it("adds only the missing subjects and keeps everyone else, in order", () => {
        assert.deepStrictEqual(addSubjects([alice, devs], ours), [alice, devs, kustomizeSa, helmSa]);
        assert.deepStrictEqual(addSubjects([], ours), ours);
        assert.deepStrictEqual(addSubjects([helmSa, alice], ours), [helmSa, alice, kustomizeSa]);
    });

    it("treats subjects as RBAC does (apiGroup defaulted, namespace only for ServiceAccounts)", () => {
        const aliceNoGroup: RbacSubject = { kind: "User", name: "alice@example.com" };
        assert.deepStrictEqual(addSubjects([aliceNoGroup], [alice]), [aliceNoGroup]);
        const otherNs: RbacSubject = { kind: "ServiceAccount", name: "kustomize-controller", namespace: "other" };
        assert.deepStrictEqual(addSubjects([otherNs], [kustomizeSa]), [otherNs, kustomizeSa]);
        assert.deepStrictEqual(removeSubjects([otherNs, kustomizeSa], [kustomizeSa]), [otherNs]);
    });

    it("removes only our subjects", () => {
        assert.deepStrictEqual(removeSubjects([alice, kustomizeSa, devs, helmSa], ours), [alice, devs]);
        assert.deepStrictEqual(removeSubjects([alice], ours), [alice]);
    });
});

/** An in-memory RoleBinding with the API server's resourceVersion check. */
function memoryApi(initial: RbacSubject[] | undefined, onWrite?: (attempt: number, store: { rb?: RoleBindingDocument }) => void) {
    const store: { rb?: RoleBindingDocument; version: number; writes: number } = { version: 1, writes: 0 };
    if (initial !== undefined) {
        store.rb = { metadata: { name: "extra-workload-admins", resourceVersion: "1" }, roleRef: {}, subjects: initial };
    }
    const api: RoleBindingApi = {
        async read() {
            return store.rb === undefined ? undefined : structuredClone(store.rb);
        },
        async replace(rb) {
            store.writes++;
            onWrite?.(store.writes, store);
            if (store.rb === undefined) {
                return "not-found";
            }
            if (rb.metadata.resourceVersion !== store.rb.metadata.resourceVersion) {
                return "conflict";
            }
            store.rb = { ...structuredClone(rb), metadata: { ...rb.metadata, resourceVersion: String(++store.version) } };
            return "written";
        },
    };
    return { api, store };
}

function concurrentEdit(store: { rb?: RoleBindingDocument; version: number }, change: (s: RbacSubject[]) => RbacSubject[]): void {
    store.rb!.subjects = change(store.rb!.subjects ?? []);
    store.rb!.metadata.resourceVersion = String(++store.version);
}

describe("admin delegation: read-modify-write", () => {
    const options = { onMissing: "error" as const, describe: 'RoleBinding "extra-workload-admins" in namespace "production"' };

    it("writes once when nothing interferes, and not at all when nothing changes", async () => {
        const { api, store } = memoryApi([alice]);
        const first = await updateSubjects(api, (s) => addSubjects(s, ours), options);
        assert.deepStrictEqual(first, { subjects: [alice, kustomizeSa, helmSa], attempts: 1, written: true });
        const again = await updateSubjects(api, (s) => addSubjects(s, ours), options);
        assert.strictEqual(again.written, false);
        assert.strictEqual(store.writes, 1);
    });

    it("keeps a subject someone added between our read and our write", async () => {
        const { api, store } = memoryApi([alice], (attempt, s) => {
            if (attempt === 1) {
                concurrentEdit(s as never, (subjects) => [...subjects, devs]);
            }
        });
        const result = await updateSubjects(api, (s) => addSubjects(s, ours), options);
        assert.strictEqual(result.attempts, 2);
        assert.deepStrictEqual(store.rb!.subjects, [alice, devs, kustomizeSa, helmSa]);
    });

    it("on removal, keeps a subject someone added in between and removes only ours", async () => {
        const { api, store } = memoryApi([alice, kustomizeSa, helmSa], (attempt, s) => {
            if (attempt === 1) {
                concurrentEdit(s as never, (subjects) => [devs, ...subjects]);
            }
        });
        await updateSubjects(api, (s) => removeSubjects(s, ours), { ...options, onMissing: "ignore" });
        assert.deepStrictEqual(store.rb!.subjects, [devs, alice]);
    });

    it("leaves a RoleBinding with only our subjects without subjects, not with a list of someone else's", async () => {
        const { api, store } = memoryApi([kustomizeSa, helmSa]);
        await updateSubjects(api, (s) => removeSubjects(s, ours), { ...options, onMissing: "ignore" });
        assert.strictEqual(store.rb!.subjects, undefined);
        assert.strictEqual(store.rb!.metadata.name, "extra-workload-admins");
    });

    it("gives up after repeated conflicts without overwriting", async () => {
        const { api, store } = memoryApi([alice], (_attempt, s) => concurrentEdit(s as never, (subjects) => [...subjects]));
        await assert.rejects(
            updateSubjects(api, (s) => addSubjects(s, ours), { ...options, maxAttempts: 3 }),
            /kept changing while welkin-flux updated its subjects \(3 conflicting writes in a row\)\. Nothing was overwritten/,
        );
        assert.deepStrictEqual(store.rb!.subjects, [alice]);
    });

    it("explains a missing extra-workload-admins, and ignores it on removal", async () => {
        await assert.rejects(
            updateSubjects(memoryApi(undefined).api, (s) => addSubjects(s, ours), options),
            /RoleBinding "extra-workload-admins" in namespace "production" does not exist\. Welkin creates the RoleBinding .* ask your platform administrator/,
        );
        const removed = await updateSubjects(memoryApi(undefined).api, (s) => removeSubjects(s, ours), { ...options, onMissing: "ignore" });
        assert.strictEqual(removed.written, false);
    });
});

describe("admin delegation: dynamic provider against an API server", () => {
    let api: FakeKubeApi;
    let server: string;
    let props: DelegationProps;

    beforeEach(async () => {
        api = new FakeKubeApi();
        server = await api.start();
        props = { namespace: "production", roleBindingName: "extra-workload-admins", subjects: ours, access: { kubeconfig: tokenKubeconfig(server, api.token) } };
        api.put("production", "extra-workload-admins", [alice]);
    });
    afterEach(() => api.stop());

    it("create adds our subjects, a concurrent edit is retried, delete removes only ours", async () => {
        let injected = false;
        api.beforeWrite = (key) => {
            if (!injected) {
                injected = true;
                api.edit(key, (rb) => rb.subjects!.push(devs));
            }
        };
        const created = await delegationProvider.create(props);
        assert.strictEqual(created.id, "production/extra-workload-admins");
        assert.deepStrictEqual(api.subjects("production", "extra-workload-admins"), [alice, devs, kustomizeSa, helmSa]);
        assert.deepStrictEqual(
            api.requests.filter((r) => r.startsWith("PUT")).length,
            2,
            "the first PUT must conflict and the second succeed",
        );
        // Fields we do not manage survive the round trip.
        assert.deepStrictEqual(api.bindings.get("production/extra-workload-admins")!.metadata.annotations, { "helm.sh/resource-policy": "keep" });

        await delegationProvider.delete!(created.id, created.outs);
        assert.deepStrictEqual(api.subjects("production", "extra-workload-admins"), [alice, devs]);
    });

    it("read reports which of our subjects are present, so refresh shows drift", async () => {
        await delegationProvider.create(props);
        api.edit("production/extra-workload-admins", (rb) => (rb.subjects = rb.subjects!.filter((s) => s.name !== "helm-controller")));
        const read = await delegationProvider.read!("production/extra-workload-admins", props);
        assert.deepStrictEqual(read.props!.subjects, [kustomizeSa]);
    });

    it("update adds the new subjects before removing dropped ones", async () => {
        await delegationProvider.create({ ...props, subjects: [kustomizeSa] });
        const before: string[][] = [];
        api.beforeWrite = (key) => before.push((api.bindings.get(key)!.subjects ?? []).map((s) => s.name));
        await delegationProvider.update!("id", { ...props, subjects: [kustomizeSa] }, { ...props, subjects: [helmSa] });
        // Both present in between: the controllers are never without admin during the switch.
        assert.deepStrictEqual(before, [
            ["alice@example.com", "kustomize-controller"],
            ["alice@example.com", "kustomize-controller", "helm-controller"],
        ]);
        assert.deepStrictEqual(api.subjects("production", "extra-workload-admins"), [alice, helmSa]);
    });

    it("stores new cluster access without touching the RoleBinding, and replaces on a new namespace", async () => {
        const newAccess = { ...props, access: { kubeconfig: tokenKubeconfig("https://other", "x") } };
        const sameButNewToken = await delegationProvider.diff!("id", props, newAccess);
        assert.deepStrictEqual([sameButNewToken.changes, sameButNewToken.replaces], [true, []]);
        const before = api.requests.length;
        assert.deepStrictEqual((await delegationProvider.update!("id", props, newAccess)).outs, newAccess);
        assert.strictEqual(api.requests.length, before, "an access-only update must not call the cluster");
        assert.strictEqual((await delegationProvider.diff!("id", props, { ...props })).changes, false);
        const moved = await delegationProvider.diff!("id", props, { ...props, namespace: "staging" });
        assert.deepStrictEqual(moved.replaces, ["namespace"]);
    });

    it("reports a refused request with the API server's message", async () => {
        const denied = { ...props, access: { kubeconfig: tokenKubeconfig(server, "wrong") } };
        await assert.rejects(delegationProvider.create(denied), /cannot read RoleBinding "extra-workload-admins" in namespace "production": HTTP 401: Unauthorized/);
    });
});

describe("admin delegation: kubeconfig", () => {
    const kubeconfig = (user: string) => `
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: { cluster: welkin, user: dev }
- name: other
  context: { cluster: welkin, user: exec }
clusters:
- name: welkin
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: ${Buffer.from("CA PEM").toString("base64")}
users:
${user}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl
      args: [oidc-login, get-token]
`;

    it("reads the current context with embedded credentials", () => {
        const conn = connectionFromKubeconfig(
            kubeconfig(`- name: dev\n  user:\n    client-certificate-data: ${Buffer.from("CERT").toString("base64")}\n    client-key-data: ${Buffer.from("KEY").toString("base64")}`),
        );
        assert.deepStrictEqual(conn, { server: "https://127.0.0.1:6443", caData: "CA PEM", clientCertData: "CERT", clientKeyData: "KEY" });
    });

    it("reads an exec credential plugin (Welkin's OIDC login) from another context", () => {
        const conn = connectionFromKubeconfig(kubeconfig(`- name: dev\n  user: { token: abc }`), "other");
        assert.deepStrictEqual(conn.exec, { command: "kubectl", args: ["oidc-login", "get-token"], env: [], apiVersion: "client.authentication.k8s.io/v1beta1" });
    });

    it("resolves relative certificate files against the kubeconfig's folder", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-kubeconfig-"));
        try {
            fs.writeFileSync(path.join(dir, "dev.crt"), "CERT FILE");
            fs.writeFileSync(path.join(dir, "dev.key"), "KEY FILE");
            fs.writeFileSync(path.join(dir, "config"), kubeconfig(`- name: dev\n  user:\n    client-certificate: dev.crt\n    client-key: dev.key`));
            const conn = resolveKubeConnection(undefined, undefined, { KUBECONFIG: path.join(dir, "config") });
            assert.strictEqual(conn.clientCertData, "CERT FILE");
            assert.strictEqual(conn.clientKeyData, "KEY FILE");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("names the missing context and the missing kubeconfig", () => {
        assert.throws(() => connectionFromKubeconfig(kubeconfig(`- name: dev\n  user: {}`), "prod"), /kubeconfig has no context "prod" \(contexts: dev, other\): set kubeContext to one of them\./);
        assert.throws(
            () => resolveKubeConnection(undefined, undefined, { KUBECONFIG: "/nonexistent/welkin-kubeconfig" }),
            /no kubeconfig: WelkinFlux.s preflight and admin delegation looked at \/nonexistent\/welkin-kubeconfig\. Pass the kubeconfig .* as WelkinFlux.s kubeconfig argument, or set KUBECONFIG/,
        );
    });
});
