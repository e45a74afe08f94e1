// libav's log (av_log), routed to a logger that JS sets.
import { invalidArgument } from '../errors.js';
import { addon } from '../native.js';

export type LogLevel = 'quiet' | 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'verbose' | 'debug' | 'trace';

/** AV_LOG_* values. */
export const LogLevels: Record<LogLevel, number> = {
  quiet: -8,
  panic: 0,
  fatal: 8,
  error: 16,
  warning: 24,
  info: 32,
  verbose: 40,
  debug: 48,
  trace: 56,
};

const names = new Map(Object.entries(LogLevels).map(([k, v]) => [v, k as LogLevel]));

export type Logger = (level: LogLevel, message: string) => void;

/** Messages above this level are dropped natively, before any formatting. Default 'warning'. */
export function setLogLevel(level: LogLevel): void {
  const n = LogLevels[level];
  if (n === undefined) throw invalidArgument('level', `one of ${Object.keys(LogLevels).join(', ')}`, level);
  addon().setLogLevel(n);
}

/**
 * Sends libav's messages (and avforge's warnings, such as skipped damaged packets) to
 * `logger`, on the JS thread. null restores the default: straight to stderr.
 */
export function setLogger(logger: Logger | null, options?: { level?: LogLevel }): void {
  if (logger !== null && typeof logger !== 'function') throw invalidArgument('logger', 'a function or null', logger);
  if (options?.level !== undefined) setLogLevel(options.level);
  addon().setLogHandler(logger ? (level, message) => logger(names.get(level) ?? 'info', message) : null);
}
