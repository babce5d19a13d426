// The component schema's shape, as the component provider writes it and `pulumi package
// get-schema` prints it, and the comparison of what users see in both.
import * as assert from "assert";

export interface SchemaProperty {
    description?: string;
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    secret?: boolean;
}

export interface PackageSchema {
    resources: Record<string, { description?: string; inputProperties: Record<string, SchemaProperty>; properties: Record<string, SchemaProperty>; requiredInputs?: string[] }>;
    types: Record<string, { type: string; enum?: { value: string }[]; properties?: Record<string, SchemaProperty>; required?: string[] }>;
}

/** Same inputs, outputs, descriptions, required inputs and types. */
export function assertSameSurface(actual: PackageSchema, expected: PackageSchema): void {
    const surface = (s: PackageSchema) => {
        const r = s.resources["welkin-flux:index:WelkinFlux"];
        const described = (props: Record<string, SchemaProperty>) => Object.fromEntries(Object.entries(props).map(([k, p]) => [k, p.description]));
        return { inputs: described(r.inputProperties), outputs: described(r.properties), required: r.requiredInputs, types: Object.keys(s.types).sort() };
    };
    assert.deepStrictEqual(surface(actual), surface(expected));
}
