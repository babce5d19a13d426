// The shape every part of the argument resolution returns: its share of the config, and the
// problems (and warnings) it found. resolveWelkinFluxConfig (index.ts) collects them all, so one
// preview reports every problem at once.
import * as pulumi from "@pulumi/pulumi";

export interface Resolved<T> {
    value: T;
    problems: string[];
    warnings?: string[];
}

/** An optional object argument: undefined stays {}, anything but a plain object is a problem. */
export function objectArg<T extends object>(field: string, value: unknown, problems: string[], example: string): Partial<T> {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        problems.push(`${field} must be an object such as ${example}; got ${JSON.stringify(value) ?? String(value)}.`);
        return {};
    }
    return value as Partial<T>;
}

/**
 * Secret-bearing inputs (keys, kubeconfigs) as Pulumi secrets, whatever the caller passed: a
 * TypeScript user usually passes a secret, but a value from Pulumi YAML, another language or
 * plain config can arrive as plain text, and must never reach the state unencrypted.
 */
export function asSecret<T extends string | undefined>(value: pulumi.Input<T> | undefined): pulumi.Output<T> | undefined {
    return value === undefined ? undefined : (pulumi.secret(value) as pulumi.Output<T>);
}
