// Filters by period are chosen as local calendar days ("2026-12-02") and sent to the API as
// instants. Both ends are inclusive on screen; the API's upper bound is exclusive, so "to"
// becomes the first moment of the day after.

/** The first moment of local DAY plus PLUS_DAYS, as an ISO instant; undefined for no day. */
export function dayStart(day: string | undefined, plusDays = 0): string | undefined {
  if (!day) return undefined;
  const moment = new Date(`${day}T00:00:00`);
  if (Number.isNaN(moment.getTime())) return undefined;
  moment.setDate(moment.getDate() + plusDays);
  return moment.toISOString();
}

/** A from–to pair of days as the instants the API filters on. */
export function dayRange(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  return { from: dayStart(from), to: dayStart(to, 1) };
}
