// The serve command's default listening address, apart from the server so `--help` loads nothing heavy.

/** The default --host: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';
