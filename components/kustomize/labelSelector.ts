// Kubernetes label selectors as kustomize reads a patch target's `labelSelector` and
// `annotationSelector` (the syntax of `kubectl get -l`): comma-separated requirements, each
// `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)` or `key notin (a,b)`.
// No maintained npm package parses this syntax; it is small, and the render tests hold what it
// selects equal to the real `kubectl kustomize`.

type Operator = "exists" | "absent" | "in" | "notin";

interface Requirement {
    key: string;
    operator: Operator;
    values: string[];
}

/** A parsed selector; `matches` tells whether a map of labels (or annotations) satisfies it. */
export interface Selector {
    matches(labels: Record<string, string> | undefined): boolean;
}

// A qualified name: an optional DNS subdomain prefix and '/', then 1–63 alphanumerics, '-', '_', '.'.
const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// A label value: empty, or 1–63 alphanumerics, '-', '_', '.' starting and ending alphanumeric.
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const SET_REQUIREMENT = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EQUALITY_REQUIREMENT = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/;

/** Splits at the commas outside parentheses: `a in (x,y),b` is two requirements. */
function splitRequirements(text: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        if (text[i] === "(") {
            depth++;
        } else if (text[i] === ")") {
            depth--;
        } else if (text[i] === "," && depth === 0) {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((p) => p.trim());
}

function checkKey(key: string, term: string): void {
    if (!KEY.test(key)) {
        throw new Error(`"${key}" in "${term}" is not a label key`);
    }
}

function checkValue(value: string, term: string): void {
    if (!VALUE.test(value)) {
        throw new Error(`"${value}" in "${term}" is not a label value`);
    }
}

function parseRequirement(term: string): Requirement {
    if (term === "") {
        throw new Error("it has an empty requirement (a stray comma?)");
    }
    const set = SET_REQUIREMENT.exec(term);
    if (set) {
        const values = set[3].split(",").map((v) => v.trim());
        checkKey(set[1], term);
        values.forEach((v) => checkValue(v, term));
        return { key: set[1], operator: set[2] as "in" | "notin", values };
    }
    const equality = EQUALITY_REQUIREMENT.exec(term);
    if (equality) {
        checkKey(equality[1], term);
        checkValue(equality[3], term);
        return { key: equality[1], operator: equality[2] === "!=" ? "notin" : "in", values: [equality[3]] };
    }
    const absent = term.startsWith("!");
    const key = (absent ? term.slice(1) : term).trim();
    checkKey(key, term);
    return { key, operator: absent ? "absent" : "exists", values: [] };
}

function satisfies(r: Requirement, labels: Record<string, string>): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
        case "exists":
            return has;
        case "absent":
            return !has;
        case "in":
            return has && r.values.includes(String(labels[r.key]));
        case "notin":
            // As in Kubernetes: an object without the key satisfies `!=` and `notin`.
            return !has || !r.values.includes(String(labels[r.key]));
    }
}

/** Parses a selector; throws an Error saying what is wrong with it. An empty selector selects everything. */
export function parseSelector(text: string): Selector {
    const requirements = text.trim() === "" ? [] : splitRequirements(text).map(parseRequirement);
    return { matches: (labels) => requirements.every((r) => satisfies(r, labels ?? {})) };
}
