// Commits to a repository of the sandbox's git server as someone other than welkin-flux makes
// them: a clone of the bare repository, the change, a commit under that person's name, a push to
// main. The end-to-end tests use it for another cluster's files and for the application teams'
// changes Flux then applies; the demo reads the repository's head and log.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A file to write (content) or to remove (null), by its path in the repository. */
export interface RepositoryFile {
    path: string;
    content: string | null;
}

export interface Author {
    name: string;
    email: string;
}

function git(args: string[], cwd?: string): string {
    return childProcess.execFileSync("git", args, { cwd, encoding: "utf8" });
}

/** The commit `branch` points at in the bare repository. */
export function repositoryHead(bareRepository: string, branch = "main"): string {
    return git(["--git-dir", bareRepository, "rev-parse", `refs/heads/${branch}`]).trim();
}

/** `git log` of the bare repository with these arguments, one line a commit. */
export function repositoryLog(bareRepository: string, args: string[]): string[] {
    return git(["--git-dir", bareRepository, "log", ...args]).trim().split("\n");
}

/** Commits `files` to main as `author` in a clone under scratchDir (removed after) and pushes; returns the new head. */
export function commitAs(bareRepository: string, scratchDir: string, author: Author, files: RepositoryFile[], message: string): string {
    const clone = fs.mkdtempSync(path.join(scratchDir, "clone-"));
    const run = (args: string[]) => git(args, clone);
    run(["clone", "-q", bareRepository, "."]);
    for (const f of files) {
        if (f.content === null) {
            run(["rm", "-q", f.path]);
        } else {
            fs.mkdirSync(path.dirname(path.join(clone, f.path)), { recursive: true });
            fs.writeFileSync(path.join(clone, f.path), f.content);
            run(["add", f.path]);
        }
    }
    run(["-c", `user.name=${author.name}`, "-c", `user.email=${author.email}`, "commit", "-q", "-m", message]);
    run(["push", "-q", "origin", "HEAD:main"]);
    fs.rmSync(clone, { recursive: true, force: true });
    return repositoryHead(bareRepository);
}
