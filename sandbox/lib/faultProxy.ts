// A fault-injecting TCP proxy on loopback, in front of the sandbox's API server, for the fault
// suites: clients (the kubeconfig's server) talk to the proxy, which passes the bytes through
// untouched (TLS included: the API server's serving certificate is for 127.0.0.1, any port), and on
// demand behaves like an API server that is restarting: it refuses connections (nothing listens),
// or accepts and closes them (a load balancer whose backend went away).
import * as net from "net";

export interface FaultProxyTarget {
    host: string;
    port: number;
}

export interface FaultProxy {
    /** The loopback port clients connect to. */
    readonly port: number;
    /** Closes the port and every open connection for `seconds`; resolves when it listens again. */
    refuseFor(seconds: number): Promise<void>;
    /** Accepts and closes every connection (and closes the open ones) for `seconds`; resolves when it passes them again. */
    dropFor(seconds: number): Promise<void>;
    /** Stops listening, drops every connection and cancels any fault window. */
    stop(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
}

function close(server: net.Server): Promise<void> {
    return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/** Pipes a client connection to the target both ways; either side ending ends both. */
function passThrough(client: net.Socket, target: FaultProxyTarget, open: Set<net.Socket>): void {
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = () => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
}

/**
 * Closes every open connection, as the kernel does for a killed API server. Not resetAndDestroy():
 * on a socket whose peer has already closed, Node 20 leaves its handle open (and spinning),
 * which keeps the process alive.
 */
function dropAll(open: Set<net.Socket>): void {
    for (const s of open) {
        s.destroy();
    }
    open.clear();
}

/** Starts the proxy on `port` (default: a free one) in front of `target`. */
export async function startFaultProxy(target: FaultProxyTarget, port = 0): Promise<FaultProxy> {
    const open = new Set<net.Socket>();
    let dropping = false;
    let stopped = false;
    const waiting = new Set<() => void>();
    // A connection met in a drop window is closed at once, as a load balancer without a backend does.
    const server = net.createServer((client) => (dropping ? client.on("error", () => undefined).destroy() : passThrough(client, target, open)));
    await listen(server, port);
    const boundPort = (server.address() as net.AddressInfo).port;

    /** Resolves after `seconds`, or at once when the proxy stops meanwhile. */
    const window = (seconds: number) =>
        new Promise<void>((resolve) => {
            const done = () => {
                clearTimeout(timer);
                waiting.delete(done);
                resolve();
            };
            const timer = setTimeout(done, seconds * 1000);
            waiting.add(done);
        });

    return {
        port: boundPort,
        async refuseFor(seconds) {
            const closed = close(server);
            dropAll(open);
            await closed;
            await window(seconds);
            // Overlapping windows end with the first.
            if (!stopped && !server.listening) {
                await listen(server, boundPort);
            }
        },
        async dropFor(seconds) {
            dropping = true;
            dropAll(open);
            await window(seconds);
            dropping = false;
        },
        async stop() {
            stopped = true;
            for (const done of [...waiting]) {
                done();
            }
            const closed = close(server);
            dropAll(open);
            await closed;
        },
    };
}
