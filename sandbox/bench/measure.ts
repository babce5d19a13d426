// The bench's measurements: seconds per row, one sample per run, and their medians.

/** A failure the bench explains itself. */
export class BenchError extends Error {}

export function log(line: string): void {
    console.error(`bench: ${line}`);
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Seconds per measured row, one entry per run. */
export class Samples {
    private readonly rows = new Map<string, number[]>();

    record(row: string, seconds: number): void {
        this.rows.set(row, [...this.of(row), seconds]);
    }

    async timed<T>(row: string, f: () => Promise<T> | T): Promise<T> {
        const start = process.hrtime.bigint();
        const result = await f();
        this.record(row, Number(process.hrtime.bigint() - start) / 1e9);
        return result;
    }

    /** Every sample of the row, in the order measured ([] when none). */
    of(row: string): number[] {
        return this.rows.get(row) ?? [];
    }

    median(row: string): number {
        const xs = this.of(row);
        if (xs.length === 0) {
            throw new Error(`nothing measured for ${row}`);
        }
        return median(xs);
    }
}
