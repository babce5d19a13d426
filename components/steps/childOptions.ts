import * as pulumi from "@pulumi/pulumi";

/** What every child of the component gets: its parent, and what all steps wait for (the preflight). */
export interface ChildOptions {
    parent: pulumi.Resource;
    dependsOn: pulumi.Resource[];
}

export function childOptions(base: ChildOptions, ...dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return { parent: base.parent, dependsOn: [...base.dependsOn, ...dependsOn] };
}
