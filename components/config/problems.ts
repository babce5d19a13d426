// The shape every part of the argument resolution returns: its share of the config, and the
// problems (and warnings) it found. resolveWelkinFluxConfig (index.ts) collects them all, so one
// preview reports every problem at once.

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
