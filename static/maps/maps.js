/* Bedwatch maps: the live behaviour of a map page (an ES module, no bundler).
 *
 * Folium has drawn the map (maps/builders.py): départements shaded by tension, outlines, one
 * marker per hospital (a GeoJSON layer in a cluster layer), the dispatcher's point. The page
 * holds its hospitals once (#bw-map-data: arrays of the API's fields named in `fields`; each
 * unit with the tensions the server judged: its own, its hospital's and its département's).
 * This module finds folium's layers by the names in `layers`, registers the markers by FINESS
 * in window.bedwatchMap.markers, builds popups and table rows from the page's <template>s when
 * they are needed, and applies the live feed's `bedwatch:units` events ({kind, units, seq},
 * static/realtime/live.js): each unit arrives with the same tensions, judged by the server, so
 * no rule is computed here — only sums of free beds and the oldest freshness.
 */
import { ageText, clockText, zoneNote } from "./zone.js";

const dataNode = document.getElementById("bw-map-data");
const data = dataNode ? JSON.parse(dataNode.textContent) : null;

const FIGURES = ["installed", "available", "occupied", "reserved", "closed", "extra"];
const TENSION_CLASSES = ["bw-t-normal", "bw-t-tension", "bw-t-saturated"];
const FRESHNESS_CLASSES = ["bw-f-fresh", "bw-f-ageing", "bw-f-stale", "bw-f-expired"];

if (data) main(data);
zoneNote();

function main(data) {
  const kind = data.kind || null;
  const text = data.text;
  const order = []; // FINESS in the server's order
  const hospitals = {}; // FINESS -> hospital (the API's object)
  const unitIndex = {}; // unit id -> FINESS
  const departments = {}; // code -> {kind -> tension}, kind "" for every kind
  const clockOffset = data.serverNow ? Date.parse(data.serverNow) - Date.now() : 0;
  const now = () => Date.now() + clockOffset;
  const registry = (window.bedwatchMap = window.bedwatchMap || { markers: {}, popups: {} });
  const layer = (name) => (data.layers[name] ? window[data.layers[name]] : null);
  const map = layer("map");
  const cluster = layer("cluster");
  registry.map = map;
  registry.point = layer("point") || undefined;

  // --- the page data ---------------------------------------------------------------------

  function noteTensions(hospital, unit) {
    hospital.tensions[unit.kind] = unit.hospital_tension;
    hospital.tensions[""] = unit.hospital_tension_all;
    if (!unit.department) return;
    const d = (departments[unit.department] = departments[unit.department] || {});
    d[unit.kind] = unit.department_tension;
    d[""] = unit.department_tension_all;
  }

  const hf = data.fields.hospital;
  const uf = data.fields.unit;
  for (const row of data.hospitals) {
    const h = { tensions: {} };
    hf.forEach((name, i) => (h[name] = row[i]));
    h.units = h.units.map((r) => {
      const u = { hospital: h.finess, department: h.department };
      uf.forEach((name, j) => (u[name] = r[j]));
      unitIndex[u.id] = h.finess;
      noteTensions(h, u);
      return u;
    });
    hospitals[h.finess] = h;
    order.push(h.finess);
  }

  // --- what a hospital shows for the page's kind ----------------------------------------

  const unitsOfKind = (h) => h.units.filter((u) => !kind || u.kind === kind);

  function lookOf(h) {
    const units = unitsOfKind(h);
    if (!units.length) return { hasUnits: false, available: 0, cls: "bw-pin bw-none" };
    const available = units.reduce((s, u) => s + u.available, 0);
    const worst = Math.max(...units.map((u) => data.freshnessOrder.indexOf(u.freshness)));
    const freshness = data.freshnessOrder[worst];
    const tension = h.tensions[kind || ""];
    return {
      hasUnits: true,
      available,
      tension,
      freshness,
      cls: `bw-pin bw-t-${tension} bw-f-${freshness}`,
    };
  }

  function oldestOf(h) {
    const dated = unitsOfKind(h).map((u) => u.updated_at).filter(Boolean);
    if (!dated.length) return "";
    return dated.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
  }

  const matchesSearch = (h) =>
    data.page !== "dispatch" || unitsOfKind(h).some((u) => u.available >= data.minAvailable);

  const age = (updatedAt) => ageText(updatedAt, now(), data.labels);

  function describe(h, look) {
    if (!look.hasUnits) return `${h.name} — ${text.noUnit}`;
    return `${h.name} — ${look.available} ${text.freeBeds}, ${text.tensions[look.tension] || ""}`;
  }

  // --- markers (folium's) -----------------------------------------------------------------

  function pinClass(h, look) {
    return look.cls + (matchesSearch(h) ? "" : " bw-out");
  }

  function decorate(marker) {
    const el = marker.getElement();
    if (!el) return;
    const h = hospitals[marker.feature.properties.finess];
    const look = lookOf(h);
    el.setAttribute("data-finess", h.finess);
    el.setAttribute("data-available", String(look.available));
    el.setAttribute("title", describe(h, look));
    el.setAttribute("aria-label", describe(h, look));
  }

  function drawMarker(h) {
    const marker = registry.markers[h.finess];
    if (!marker) return;
    const look = lookOf(h);
    marker.setIcon(
      L.divIcon({
        className: pinClass(h, look),
        html: look.hasUnits ? String(look.available) : "–",
        iconSize: [32, 32],
        iconAnchor: [16, 16],
      })
    );
    marker.setZIndexOffset(matchesSearch(h) ? (look.hasUnits ? look.available : -500) : -1000);
    decorate(marker);
    if (cluster) cluster.refreshClusters(marker);
  }

  function tr(selector) {
    return document.getElementById(selector).content.firstElementChild.cloneNode(true);
  }

  function slot(root, name) {
    return root.querySelector(`[data-slot="${name}"]`);
  }

  function setClasses(el, tension, freshness) {
    el.classList.remove(...TENSION_CLASSES, ...FRESHNESS_CLASSES);
    if (tension) el.classList.add(`bw-t-${tension}`);
    if (freshness) el.classList.add(`bw-f-${freshness}`);
  }

  // A popup's content, built when it opens from the figures known then; live updates keep it
  // current while it exists.
  function popupElement(finess) {
    const h = hospitals[finess];
    const el = tr("bw-tpl-popup");
    el.setAttribute("data-finess", finess);
    slot(el, "name").textContent = h.name;
    slot(el, "place").textContent =
      `${[h.postcode, h.city].filter(Boolean).join(" ")} (${h.department})`;
    if (h.phone) {
      const a = slot(el, "phone");
      a.href = `tel:${h.phone.replace(/ /g, "")}`;
      a.textContent = h.phone;
    } else {
      slot(el, "phone-line").remove();
    }
    const body = slot(el, "units");
    for (const u of h.units) body.appendChild(popupRow(u));
    registry.popups[finess] = el;
    return el;
  }

  function popupRow(u) {
    const row = tr("bw-tpl-popup-unit");
    row.setAttribute("data-unit-id", String(u.id));
    row.setAttribute("data-kind", u.kind);
    const abbr = slot(row, "kind");
    abbr.textContent = u.kind;
    abbr.title = text.kinds[u.kind] || u.kind;
    slot(row, "label").textContent = u.label;
    drawUnit(row, u);
    return row;
  }

  if (layer("markers")) {
    layer("markers").eachLayer((marker) => {
      const finess = marker.feature.properties.finess;
      registry.markers[finess] = marker;
      marker.bindPopup(() => popupElement(finess), {
        maxWidth: 420,
        minWidth: 260,
        autoPanPaddingTopLeft: [20, 60],
      });
      marker.on("add", () => decorate(marker));
      decorate(marker);
    });
  }

  // --- départements (folium's choropleth) ---------------------------------------------------

  function drawDepartments() {
    const shaded = layer("departments");
    if (!shaded) return;
    shaded.eachLayer((polygon) => {
      const el = polygon.getElement && polygon.getElement();
      if (!el) return;
      const tension = (departments[polygon.feature.properties.code] || {})[kind || ""];
      el.classList.remove("bw-dt-normal", "bw-dt-tension", "bw-dt-saturated", "bw-dt-none");
      el.classList.add(`bw-dt-${tension || "none"}`);
    });
  }

  // --- a unit's figures wherever they are shown (popup rows, chips) -------------------------

  function drawUnit(root, u) {
    const nodes = root.matches(`[data-unit-id="${u.id}"]`)
      ? [root]
      : root.querySelectorAll(`[data-unit-id="${u.id}"]`);
    nodes.forEach((el) => {
      el.setAttribute("data-available", String(u.available));
      setClasses(el, u.tension, u.freshness);
      for (const name of FIGURES) {
        el.querySelectorAll(`[data-figure="${name}"]`).forEach((c) => {
          c.textContent = String(u[name]);
        });
      }
      const word = el.querySelector('[data-slot="tension"]');
      if (word) word.textContent = text.tensions[u.tension] || "";
      // The age, and as its title the time at the hospital's région's clock.
      const zone = data.timeZones[(hospitals[u.hospital] || {}).region];
      el.querySelectorAll("time[data-updated-at]").forEach((t) => {
        t.setAttribute("data-updated-at", u.updated_at || "");
        if (u.updated_at) {
          t.setAttribute("datetime", u.updated_at);
          t.title = zone ? `${clockText(u.updated_at, zone)} (${zone})` : "";
        }
        t.textContent = age(u.updated_at);
      });
    });
  }

  // --- the area table (national and régional pages) ----------------------------------------

  const areaBody = document.querySelector("table[data-bw-sortable] tbody[data-bw-rows]");
  const rowIndex = {};

  function indexRows() {
    for (const key of Object.keys(rowIndex)) delete rowIndex[key];
    document.querySelectorAll("tr.bw-row[data-finess]").forEach((row) => {
      const finess = row.getAttribute("data-finess");
      (rowIndex[finess] = rowIndex[finess] || []).push(row);
    });
  }

  function chipElement(u) {
    const chip = tr("bw-tpl-chip");
    chip.setAttribute("data-unit-id", String(u.id));
    chip.setAttribute("data-kind", u.kind);
    chip.title = `${text.kinds[u.kind] || u.kind} — ${u.label}`;
    slot(chip, "kind").textContent = u.kind;
    drawUnit(chip, u);
    return chip;
  }

  function fillChips(box, h) {
    box.replaceChildren(...h.units.map(chipElement));
  }

  function setPin(el, look) {
    el.className = look.cls;
    el.setAttribute("data-available", String(look.available));
    el.textContent = look.hasUnits ? String(look.available) : "–";
  }

  function rowElement(h) {
    const row = tr("bw-tpl-row");
    row.setAttribute("data-finess", h.finess);
    row.setAttribute("data-sort-name", h.name);
    const link = slot(row, "name");
    link.textContent = h.name;
    link.setAttribute("data-bw-focus", h.finess);
    slot(row, "place").textContent = `${h.city} (${h.department})`;
    fillChips(slot(row, "chips"), h);
    const phone = slot(row, "phone");
    if (h.phone) {
      phone.href = `tel:${h.phone.replace(/ /g, "")}`;
      phone.textContent = h.phone;
    } else {
      phone.remove();
    }
    drawRow(row, h);
    return row;
  }

  function drawRow(row, h) {
    const look = lookOf(h);
    const oldest = oldestOf(h);
    row.setAttribute("data-sort-free", String(look.available));
    row.setAttribute("data-sort-age", oldest);
    row.classList.toggle("bw-dim", !look.hasUnits);
    const pin = row.querySelector("[data-hospital-available]");
    if (pin) setPin(pin, look);
    const time = row.querySelector("[data-bw-row-age]");
    if (time) {
      time.setAttribute("data-updated-at", oldest);
      time.textContent = age(oldest || null);
    }
    const chips = row.querySelector("div.bw-units");
    if (chips && chips.querySelectorAll("[data-unit-id]").length !== h.units.length) {
      fillChips(chips, h); // a unit opened since the row was drawn
    }
    if (data.page === "dispatch") row.hidden = !matchesSearch(h);
  }

  function drawHospital(h) {
    drawMarker(h);
    let popup = registry.popups[h.finess];
    if (popup && popup.querySelectorAll("[data-unit-id]").length !== h.units.length) {
      const fresh = popupElement(h.finess); // a unit opened since: rebuild it in place
      popup.replaceChildren(...fresh.childNodes);
      registry.popups[h.finess] = popup;
    }
    for (const u of h.units) {
      if (popup) drawUnit(popup, u);
      for (const row of rowIndex[h.finess] || []) drawUnit(row, u);
    }
    for (const row of rowIndex[h.finess] || []) drawRow(row, h);
  }

  function drawTotals() {
    const perKind = {};
    const all = { units: 0, stale: 0, expired: 0 };
    for (const finess of order) {
      for (const u of hospitals[finess].units) {
        const t = (perKind[u.kind] = perKind[u.kind] || {
          available: 0, occupied: 0, capacity: 0, units: 0, stale: 0,
        });
        t.available += u.available;
        t.occupied += u.occupied;
        t.capacity += u.installed + u.extra;
        t.units += 1;
        all.units += 1;
        if (u.freshness === "stale" || u.freshness === "expired") {
          t.stale += 1;
          all[u.freshness] += 1;
        }
      }
    }
    document.querySelectorAll("tr[data-total-kind]").forEach((row) => {
      const t = perKind[row.getAttribute("data-total-kind")];
      if (!t) return;
      for (const name of Object.keys(t)) {
        const cell = row.querySelector(`[data-total="${name}"]`);
        if (cell) cell.textContent = String(t[name]);
      }
      const stale = row.querySelector('[data-total="stale"]');
      if (stale) stale.classList.toggle("bw-warn", t.stale > 0);
    });
    const sums = { stale: all.stale + all.expired, expired: all.expired, units: all.units };
    for (const name of Object.keys(sums)) {
      document.querySelectorAll(`[data-total-all="${name}"]`).forEach((el) => {
        el.textContent = String(sums[name]);
      });
    }
  }

  function drawResults() {
    if (data.page !== "dispatch") return;
    let rank = 0;
    document.querySelectorAll("[data-bw-results] tr.bw-row").forEach((row) => {
      const cell = row.querySelector("[data-bw-rank]");
      if (!row.hidden) rank += 1;
      if (cell) cell.textContent = row.hidden ? "" : String(rank);
    });
    const none = document.querySelector("[data-bw-no-result]");
    if (none) none.hidden = rank > 0;
    const count = document.querySelector("[data-bw-result-count]");
    if (count) count.hidden = rank === 0;
    if (count && rank > 0) count.textContent = count.textContent.replace(/^\d+/, String(rank));
  }

  // --- sorting and the rows shown ---------------------------------------------------------
  // The national table shows its first rows in the chosen order (~1,800 hospitals: laying them
  // all out cost seconds) and more as it is scrolled or on request.

  let sortState = { key: "free", dir: -1 };
  let tableShown = data.tableFirst || 60;
  const TABLE_MORE = 200;
  const moreBox = document.querySelector("[data-bw-more]");

  function sortValue(h, key) {
    if (key === "free") return lookOf(h).available;
    if (key === "age") {
      const oldest = oldestOf(h);
      return oldest ? Date.parse(oldest) : -Infinity; // never reported = oldest
    }
    return h.name.toLocaleLowerCase();
  }

  function tableOrder() {
    const { key, dir } = sortState;
    const keyed = order.map((finess) => {
      const h = hospitals[finess];
      return { finess, value: sortValue(h, key), name: h.name.toLocaleLowerCase() };
    });
    keyed.sort((a, b) => {
      if (a.value < b.value) return -dir;
      if (a.value > b.value) return dir;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    return keyed.map((k) => k.finess);
  }

  function drawTable() {
    if (!areaBody) return;
    const wanted = tableOrder().slice(0, tableShown);
    const current = Array.from(areaBody.rows);
    const same =
      current.length === wanted.length &&
      wanted.every((finess, i) => current[i].getAttribute("data-finess") === finess);
    if (!same) {
      const existing = {};
      for (const row of current) existing[row.getAttribute("data-finess")] = row;
      const fragment = document.createDocumentFragment();
      for (const finess of wanted) {
        fragment.appendChild(existing[finess] || rowElement(hospitals[finess]));
      }
      areaBody.replaceChildren(fragment);
      indexRows();
    }
    if (moreBox) moreBox.hidden = tableShown >= order.length;
    areaBody.closest("table").querySelectorAll("th[data-sort]").forEach((th) => {
      const active = th.getAttribute("data-sort") === sortState.key;
      th.setAttribute(
        "aria-sort", active ? (sortState.dir > 0 ? "ascending" : "descending") : "none"
      );
    });
  }

  function showMore() {
    if (tableShown >= order.length) return;
    tableShown += TABLE_MORE;
    drawTable();
  }

  document.querySelectorAll("table[data-bw-sortable] th[data-sort] button").forEach((b) => {
    b.addEventListener("click", () => {
      const key = b.parentNode.getAttribute("data-sort");
      if (sortState.key === key) sortState.dir = -sortState.dir;
      else sortState = { key, dir: key === "free" ? -1 : 1 };
      drawTable();
    });
  });

  if (areaBody) {
    const scroller = areaBody.closest(".bw-table-scroll");
    if (scroller) {
      scroller.addEventListener(
        "scroll",
        () => {
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 400) showMore();
        },
        { passive: true }
      );
    }
    if (moreBox) moreBox.querySelector("button").addEventListener("click", showMore);
  }

  // --- interactions -----------------------------------------------------------------------

  // The kind is the page's: another kind is another page, drawn by the server.
  const kindSelect = document.querySelector("select[data-bw-kind-select]");
  if (kindSelect) {
    kindSelect.addEventListener("change", () => kindSelect.form.requestSubmit());
  }
  const regionSelect = document.getElementById("bw-region-select");
  if (regionSelect) {
    regionSelect.addEventListener("change", () => {
      if (!regionSelect.value) return;
      window.location.href = regionSelect
        .getAttribute("data-url-template")
        .replace("__code__", encodeURIComponent(regionSelect.value));
    });
  }
  // Metropolitan France and the overseas régions, one tap away.
  document.querySelectorAll("[data-bw-view]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!map) return;
      event.preventDefault();
      map.fitBounds(JSON.parse(el.getAttribute("data-bw-view")), { animate: false });
    });
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("[data-bw-focus]");
    if (!link) return;
    const marker = registry.markers[link.getAttribute("data-bw-focus")];
    if (!marker || !map) return;
    event.preventDefault();
    const open = () => marker.openPopup();
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12), { animate: false });
    if (cluster) cluster.zoomToShowLayer(marker, open);
    else open();
  });

  // The dispatcher picks a point by clicking the map.
  const dispatchForm = document.querySelector("form[data-bw-dispatch-form]");
  if (dispatchForm && map) {
    map.on("click", (e) => {
      dispatchForm.elements.place.value = `${e.latlng.lat.toFixed(5)}, ${e.latlng.lng.toFixed(5)}`;
      dispatchForm.requestSubmit();
    });
  }

  // --- live -------------------------------------------------------------------------------

  function applyUnits(units) {
    const touched = {};
    for (const incoming of units) {
      const finess = incoming.hospital || unitIndex[incoming.id];
      const h = hospitals[finess];
      if (!h) continue; // not on this page
      const i = h.units.findIndex((u) => u.id === incoming.id);
      if (i >= 0) {
        const known = h.units[i];
        if (known.version > incoming.version) continue; // an older message
        // A snapshot repeats what the page already shows: nothing to redraw.
        if (
          known.version === incoming.version &&
          known.updated_at === incoming.updated_at &&
          known.freshness === incoming.freshness &&
          known.hospital_tension === incoming.hospital_tension &&
          known.department_tension_all === incoming.department_tension_all
        ) continue;
        h.units[i] = { ...known, ...incoming };
        noteTensions(h, h.units[i]);
      } else {
        const unit = { department: h.department, ...incoming };
        h.units.push(unit); // a unit opened since the page loaded
        unitIndex[incoming.id] = finess;
        noteTensions(h, unit);
      }
      touched[finess] = h;
    }
    const changed = Object.values(touched);
    for (const h of changed) drawHospital(h);
    if (changed.length) {
      drawDepartments();
      drawTotals();
      drawResults();
      drawTable();
    }
  }

  function redrawAll() {
    for (const finess of order) drawHospital(hospitals[finess]);
    drawDepartments();
    drawTotals();
    drawResults();
    drawTable();
  }

  document.addEventListener("bedwatch:units", (event) => {
    if (event.detail && Array.isArray(event.detail.units)) applyUnits(event.detail.units);
  });

  // Ages grow, and figures age into the next freshness the server named, while nobody
  // reports: redraw them every 30 s (the next report or snapshot brings the server's word).
  function tick() {
    let changed = false;
    for (const finess of order) {
      for (const u of hospitals[finess].units) {
        const seconds = u.updated_at ? (now() - Date.parse(u.updated_at)) / 1000 : Infinity;
        let freshness = u.freshness;
        for (const [after, name] of data.freshnessSteps) {
          const rank = data.freshnessOrder.indexOf(name);
          if (seconds >= after && rank > data.freshnessOrder.indexOf(freshness)) freshness = name;
        }
        if (freshness !== u.freshness) {
          u.freshness = freshness;
          changed = true;
        }
      }
    }
    if (changed) redrawAll();
    document.querySelectorAll("time[data-updated-at]").forEach((t) => {
      t.textContent = age(t.getAttribute("data-updated-at") || null);
    });
  }
  window.setInterval(tick, 30000);

  // A page with several audiences (a coordinator of several régions) connects to each; a
  // single one is connected by the realtime module itself (templates/maps/_live.html).
  const holder = document.querySelector("[data-bw-sockets]");
  if (holder && window.BedwatchLive) {
    const status = document.getElementById("live-status");
    holder
      .getAttribute("data-bw-sockets")
      .split(" ")
      .filter(Boolean)
      .forEach((url) => window.BedwatchLive.connect({ url, statusElement: status }));
  }

  indexRows(); // the dispatcher's results (server-drawn)
  drawTable(); // the area table
  window.BedwatchMaps = { data, hospitals, applyUnits, redraw: redrawAll };
}
