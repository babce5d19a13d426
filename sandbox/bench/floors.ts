// Floors (a), (b) and (d) of the bench: minimal Pulumi programs in the run's folder, like the
// repository's (same runtime, tsconfig and node_modules), on the run's backend.
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { SandboxFixture } from "../lib/fixture";
import { PROGRAM_DIR } from "../lib/programStack";

const PARENT = "production";

const EMPTY_PROGRAM = `// An empty Pulumi program: the engine's and the language host's own cost.
import * as pulumi from "@pulumi/pulumi";

export const project = pulumi.getProject();
`;

const ONE_RESOURCE_PROGRAM = `// One kubernetes resource through a provider given the developer kubeconfig (as a secret, like index.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const provider = new k8s.Provider("welkin", { kubeconfig: config.requireSecret("kubeconfig") });
new k8s.core.v1.ConfigMap(
    "bench",
    { metadata: { name: "welkin-flux-bench", namespace: "${PARENT}" }, data: { purpose: "npm run bench" } },
    { provider },
);
`;

/** As many ConfigMaps as the real program has resources: the engine's own cost per resource. */
export const MANY_RESOURCES = 45;

const MANY_RESOURCES_PROGRAM = `// ${MANY_RESOURCES} kubernetes resources through one provider: what the engine needs for as many resources as index.ts makes.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const provider = new k8s.Provider("welkin", { kubeconfig: config.requireSecret("kubeconfig") });
for (let i = 0; i < ${MANY_RESOURCES}; i++) {
    new k8s.core.v1.ConfigMap(
        \`bench-\${i}\`,
        { metadata: { name: \`welkin-flux-bench-\${i}\`, namespace: "${PARENT}" }, data: { purpose: "npm run bench" } },
        { provider },
    );
}
`;

/** A Pulumi TypeScript program like the repository's: same runtime, tsconfig and node_modules. */
function writeProgram(dir: string, project: string, source: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\nmain: index.ts\n`);
    fs.writeFileSync(path.join(dir, "index.ts"), source);
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: project, private: true, main: "index.ts" }, null, 2)}\n`);
    fs.copyFileSync(path.join(PROGRAM_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.symlinkSync(path.join(PROGRAM_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
}

export interface Floor {
    dir: string;
    stack: Stack;
}

/** (a) the empty program, (b) the one-resource program and (d) the many-resource one, each with its stack `stackName`. */
export async function floorPrograms(fx: SandboxFixture, stackName: string): Promise<{ empty: Floor; one: Floor; many: Floor }> {
    const emptyDir = path.join(fx.work, "empty");
    const oneDir = path.join(fx.work, "one-resource");
    const manyDir = path.join(fx.work, "many-resources");
    writeProgram(emptyDir, "bench-empty", EMPTY_PROGRAM);
    writeProgram(oneDir, "bench-one-resource", ONE_RESOURCE_PROGRAM);
    writeProgram(manyDir, "bench-many-resources", MANY_RESOURCES_PROGRAM);
    const kubeconfig = { value: fs.readFileSync(fx.sandbox.kubeconfigs.developer, "utf8"), secret: true };
    return {
        empty: { dir: emptyDir, stack: await fx.workspaceStack(emptyDir, stackName, {}) },
        one: { dir: oneDir, stack: await fx.workspaceStack(oneDir, stackName, { kubeconfig }) },
        many: { dir: manyDir, stack: await fx.workspaceStack(manyDir, stackName, { kubeconfig }) },
    };
}
