/* The région table's live behaviour (an ES module): each unit of a `bedwatch:units` event
 * (static/realtime/live.js, which also writes its figures) gets the tension and freshness the
 * server judged, as classes and as words, and its time at the région's clock. */
import { clockText, zoneNote } from "./zone.js";

const wordsNode = document.getElementById("bw-table-words");
const words = wordsNode ? JSON.parse(wordsNode.textContent) : { tension: {}, freshness: {} };
const CLASSES = [
  "bw-t-normal", "bw-t-tension", "bw-t-saturated",
  "bw-f-fresh", "bw-f-ageing", "bw-f-stale", "bw-f-expired",
];

function drawUnit(row, unit) {
  if (unit.tension) {
    row.setAttribute("data-tension", unit.tension);
    row.querySelector('[data-bw-word="tension"]').textContent = words.tension[unit.tension] || "";
  }
  row.setAttribute("data-freshness", unit.freshness);
  row.querySelector('[data-bw-word="freshness"]').textContent =
    words.freshness[unit.freshness] || "";
  row.classList.remove(...CLASSES);
  if (unit.tension) row.classList.add(`bw-t-${unit.tension}`);
  row.classList.add(`bw-f-${unit.freshness}`);
  const time = row.querySelector("time[data-bw-clock]");
  time.textContent = clockText(unit.updated_at);
  if (unit.updated_at) time.setAttribute("datetime", unit.updated_at);
}

document.addEventListener("bedwatch:units", (event) => {
  const units = (event.detail && event.detail.units) || [];
  for (const unit of units) {
    document.querySelectorAll(`tr[data-unit-id="${unit.id}"]`).forEach((row) => drawUnit(row, unit));
  }
});

zoneNote();
