// Args → validated config → the three committed files and the objects to apply. Pure: a preview,
// a test or a reviewer can see exactly what will be committed without touching the cluster.
import { WelkinFluxConfig } from "../config";
import { readFluxBundle } from "../flux/bundle";
import { KubeObject, parseManifest } from "../kube/object";
import { builtInPatches } from "./builtInPatches";
import { fluxCustomizations } from "./customizations";
import { GotkSyncOptions, renderGotkSync } from "./gotkSync";
import { installObjects } from "./installObjects";
import { renderKustomizationYaml } from "./kustomizationYaml";

const GOTK_COMPONENTS_FILE = "gotk-components.yaml";
const GOTK_SYNC_FILE = "gotk-sync.yaml";
const KUSTOMIZATION_FILE = "kustomization.yaml";

/** A file committed to the repository: its repository-relative path and contents. */
export interface FluxFile {
    path: string;
    content: string;
}

/** The three files of `clusters/<cluster>/flux-system`, by role. */
interface FluxFiles {
    /** gotk-components.yaml: upstream's `flux install --export`, byte for byte. */
    components: FluxFile;
    /** gotk-sync.yaml: the GitRepository and Kustomization. */
    sync: FluxFile;
    /** kustomization.yaml: Welkin's patches and the user's customizations. */
    kustomization: FluxFile;
}

/** The order the files are committed in: each commit is a state Flux can reconcile. */
export function filesInCommitOrder(files: FluxFiles): FluxFile[] {
    return [files.components, files.sync, files.kustomization];
}

export interface FluxManifests {
    files: FluxFiles;
    gotkComponentsSha256: string;
    /** What `kubectl apply -k <syncPath>` applies, in the order of the files. */
    installObjects: KubeObject[];
}

function gotkSyncOptions(config: WelkinFluxConfig): GotkSyncOptions {
    return {
        name: config.names.gitRepository,
        namespace: config.namespace,
        url: config.repository.url,
        branch: config.repository.branch,
        secretName: config.names.gitSecret,
        interval: config.syncInterval,
        path: `./${config.syncPath}`,
    };
}

/** The release is read once here and handed down: every later step works on what was read. */
export function renderFluxManifests(config: WelkinFluxConfig): FluxManifests {
    const bundle = readFluxBundle(config.fluxVersion, config.componentsExtra);
    const gotkSync = renderGotkSync(gotkSyncOptions(config));
    const customizations = fluxCustomizations(bundle, {
        lockdown: config.lockdown,
        registry: config.registry,
        imagePullSecret: config.imagePullSecret?.name,
        userPatches: config.patches,
    });
    const builtIns = builtInPatches(customizations);
    const file = (name: string) => `${config.syncPath}/${name}`;
    return {
        files: {
            components: { path: file(GOTK_COMPONENTS_FILE), content: bundle.yaml },
            sync: { path: file(GOTK_SYNC_FILE), content: gotkSync },
            kustomization: { path: file(KUSTOMIZATION_FILE), content: renderKustomizationYaml(builtIns, customizations.userPatches, customizations.images) },
        },
        gotkComponentsSha256: bundle.sha256,
        installObjects: installObjects(bundle.objects, parseManifest(gotkSync), builtIns, customizations),
    };
}
