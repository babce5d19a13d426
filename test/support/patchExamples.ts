// The three customisations users ask for, exactly as the README shows them: the render tests
// build them with kubectl kustomize, the sandbox e2e runs Flux with them.
import { FluxPatchArgs } from "../../components/args";

export const CONCURRENCY: FluxPatchArgs = {
    patch: [
        "- op: add",
        "  path: /spec/template/spec/containers/0/args/-",
        "  value: --concurrent=20",
        "- op: add",
        "  path: /spec/template/spec/containers/0/args/-",
        "  value: --requeue-dependency=5s",
    ].join("\n"),
    target: { kind: "Deployment", name: "(kustomize-controller|helm-controller|source-controller)" },
};
export const RESOURCES: FluxPatchArgs = {
    patch: [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: kustomize-controller",
        "  namespace: flux-system",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "      - name: manager",
        "        resources:",
        "          limits:",
        "            cpu: 2000m",
        "            memory: 2Gi",
        "          requests:",
        "            cpu: 200m",
        "            memory: 256Mi",
    ].join("\n"),
};
export const SCHEDULING: FluxPatchArgs = {
    patch: [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: all",
        "spec:",
        "  template:",
        "    spec:",
        "      nodeSelector:",
        "        elastisys.io/node-group: flux",
        "      tolerations:",
        "      - key: elastisys.io/node-group",
        "        operator: Equal",
        "        value: flux",
        "        effect: NoSchedule",
    ].join("\n"),
    target: { kind: "Deployment", labelSelector: "app.kubernetes.io/part-of=flux" },
};

/**
 * Not a customisation to copy: a patch Welkin's Gatekeeper would deny (resource-requests), since
 * it drops the controller's resources, requests and limits alike (with limits left, Kubernetes
 * would give the pod requests equal to them). The default policy mode stops the preview on it.
 */
export const DROPS_REQUESTS: FluxPatchArgs = {
    patch: ["- op: remove", "  path: /spec/template/spec/containers/0/resources"].join("\n"),
    target: { kind: "Deployment", name: "kustomize-controller" },
};
