/* Times and ages shown by the map and table pages (an ES module).
 *
 * Every clock time is shown in the page's zone: the région's own (data-time-zone on <html>,
 * set by the server), never the browser's. Where the viewer's clock is in another zone, the
 * page names the zone it uses ([data-bw-zone-note], rendered hidden by the server).
 */

export function pageTimeZone() {
  return document.documentElement.getAttribute("data-time-zone") || "Europe/Paris";
}

export function viewerTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return "";
  }
}

// "14:05", or "29/11 14:05" on another day, at the page zone's clock (as the server writes
// it: maps/tables.py clock_text).
export function clockText(value, zone = pageTimeZone()) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const parts = (d) => {
    const found = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(d).forEach((p) => (found[p.type] = p.value));
    return found;
  };
  const at = parts(date);
  const today = parts(new Date());
  const time = `${at.hour}:${at.minute}`;
  if (at.year === today.year && at.month === today.month && at.day === today.day) return time;
  return `${at.day}/${at.month} ${time}`;
}

// A short age ("12 min", "3 h 05", "2 j") in the page's words (`labels` from the server).
export function ageText(updatedAt, nowMs, labels) {
  if (!updatedAt) return labels.never;
  const minutes = Math.max(Math.floor((nowMs - Date.parse(updatedAt)) / 60000), 0);
  if (minutes < 60) return `${minutes} ${labels.min}`;
  if (minutes < 48 * 60) {
    const m = minutes % 60;
    return `${Math.floor(minutes / 60)} ${labels.h} ${m < 10 ? "0" : ""}${m}`;
  }
  return `${Math.floor(minutes / 1440)} ${labels.d}`;
}

// Name the page's zone where the viewer's differs (same offset now counts as different when
// the names differ: Paris and Cayenne never share a clock).
export function zoneNote() {
  const zone = pageTimeZone();
  const viewer = viewerTimeZone();
  document.querySelectorAll("[data-bw-zone-note]").forEach((note) => {
    note.hidden = !viewer || viewer === zone;
  });
}
