export function repl(_file: string | undefined, _sources: Map<string, string>): number { return 0; }
