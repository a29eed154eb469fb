/**
 * Durations as people read them. No imports: the browser app (web/) uses the same rule as
 * `npm run report`, so a "p90 4h 05m" reads the same in the dashboard and the terminal.
 */

/** `45s`, `7m 12s`, `4h 05m`, `2d 3h`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** A limit in minutes as people say it: 15 -> "15m", 240 -> "4h", 1440 -> "24h". */
export const minutesText = (minutes: number): string => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
