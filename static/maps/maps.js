/* Bedwatch maps: kind selector, sortable table, ages, and live updates.
 *
 * The page holds the data it was built from (#bw-map-data: hospitals as the API shows them,
 * région thresholds, freshness hours) and the map registers its markers by FINESS in
 * window.bedwatchMap (see maps/builders.py). Live figures arrive as the realtime module's
 * `bedwatch:units` event ({kind: "snapshot"|"changed", units: [...]}); this script recolours
 * markers, refreshes popups, re-sorts the table, updates totals and dispatch results.
 * The same rules as beds/capacity.py (tension) and maps/builders.py (looks) are applied here.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("bw-map-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var registry = window.bedwatchMap || { markers: {}, popups: {} };
  var FIGURES = ["installed", "available", "occupied", "reserved", "closed", "extra"];
  var FRESHNESS = ["fresh", "ageing", "stale", "expired"];
  var kind = data.kind || null;
  // The server's clock, so that ages do not depend on the browser's.
  var clockOffset = data.serverNow ? Date.parse(data.serverNow) - Date.now() : 0;
  var unitIndex = {}; // unit id -> finess

  function now() {
    return Date.now() + clockOffset;
  }

  Object.keys(data.hospitals).forEach(function (finess) {
    data.hospitals[finess].units.forEach(function (u) {
      unitIndex[u.id] = finess;
    });
  });

  // --- rules ------------------------------------------------------------------------------

  function thresholdsOf(hospital) {
    return data.thresholds[hospital.region] || { occupancy_pct: 90, available_max: 1 };
  }

  function tensionOf(f, t) {
    if (f.available <= 0) return "saturated";
    var open = Math.max(f.installed + f.extra - f.closed, 0);
    if (f.available <= t.available_max) return "tension";
    if (open && f.occupied * 100 >= t.occupancy_pct * open) return "tension";
    return "normal";
  }

  function freshnessOf(updatedAt) {
    if (!updatedAt) return "expired";
    var hours = (now() - Date.parse(updatedAt)) / 3600000;
    var h = data.freshnessHours;
    if (hours < h.fresh) return "fresh";
    if (hours < h.ageing) return "ageing";
    if (hours <= h.stale) return "stale";
    return "expired";
  }

  function unitsOfKind(hospital, k) {
    return hospital.units.filter(function (u) {
      return !k || u.kind === k;
    });
  }

  function lookOf(hospital, k) {
    var units = unitsOfKind(hospital, k);
    if (!units.length) return { hasUnits: false, available: 0, cls: "bw-pin bw-none" };
    var totals = {};
    FIGURES.forEach(function (name) {
      totals[name] = units.reduce(function (s, u) {
        return s + u[name];
      }, 0);
    });
    var worst = 0;
    units.forEach(function (u) {
      worst = Math.max(worst, FRESHNESS.indexOf(u.freshness));
    });
    var tension = tensionOf(totals, thresholdsOf(hospital));
    return {
      hasUnits: true,
      available: totals.available,
      tension: tension,
      freshness: FRESHNESS[worst],
      cls: "bw-pin bw-t-" + tension + " bw-f-" + FRESHNESS[worst],
    };
  }

  function ageText(updatedAt) {
    if (!updatedAt) return data.labels.never;
    var minutes = Math.max(Math.floor((now() - Date.parse(updatedAt)) / 60000), 0);
    if (minutes < 60) return minutes + " " + data.labels.min;
    if (minutes < 48 * 60) {
      var m = minutes % 60;
      return Math.floor(minutes / 60) + " " + data.labels.h + " " + (m < 10 ? "0" : "") + m;
    }
    return Math.floor(minutes / 1440) + " " + data.labels.d;
  }

  function oldestOf(hospital, k) {
    var dated = unitsOfKind(hospital, k)
      .map(function (u) {
        return u.updated_at;
      })
      .filter(Boolean);
    if (!dated.length) return "";
    return dated.reduce(function (a, b) {
      return Date.parse(a) <= Date.parse(b) ? a : b;
    });
  }

  function matchesSearch(hospital) {
    if (data.page !== "dispatch") return true;
    return unitsOfKind(hospital, kind).some(function (u) {
      return u.available >= data.minAvailable;
    });
  }

  // --- drawing ----------------------------------------------------------------------------

  function setPin(el, look) {
    el.className = look.cls;
    el.setAttribute("data-available", String(look.available));
    var text = el.querySelector("span") || el.appendChild(document.createElement("span"));
    text.textContent = look.hasUnits ? String(look.available) : "–";
  }

  function drawMarker(hospital) {
    var marker = registry.markers[hospital.finess];
    if (!marker || !window.L) return;
    var look = lookOf(hospital, kind);
    var out = !matchesSearch(hospital);
    var html =
      '<div class="' + look.cls + (out ? " bw-out" : "") + '" data-finess="' + hospital.finess +
      '" data-available="' + look.available + '"><span>' +
      (look.hasUnits ? look.available : "–") + "</span></div>";
    marker.setIcon(
      L.divIcon({
        html: html,
        className: "bw-marker",
        iconSize: [34, 34],
        iconAnchor: [17, 17],
        popupAnchor: [0, -14],
      })
    );
    marker.setZIndexOffset(out ? -1000 : look.hasUnits ? look.available : -500);
  }

  // A unit's figures in every element that shows them (popups, chips), open or not.
  function drawUnit(root, unit, hospital) {
    var tension = tensionOf(unit, thresholdsOf(hospital));
    root.querySelectorAll('[data-unit-id="' + unit.id + '"]').forEach(function (el) {
      el.setAttribute("data-available", String(unit.available));
      el.classList.remove(
        "bw-t-normal", "bw-t-tension", "bw-t-saturated",
        "bw-f-fresh", "bw-f-ageing", "bw-f-stale", "bw-f-expired"
      );
      el.classList.add("bw-t-" + tension, "bw-f-" + unit.freshness);
      FIGURES.forEach(function (name) {
        el.querySelectorAll('[data-figure="' + name + '"]').forEach(function (cell) {
          cell.textContent = String(unit[name]);
        });
      });
      el.querySelectorAll("time[data-updated-at]").forEach(function (t) {
        t.setAttribute("data-updated-at", unit.updated_at || "");
        t.setAttribute("datetime", unit.updated_at || "");
        t.textContent = ageText(unit.updated_at);
      });
    });
  }

  // Rows move when the table is sorted but are never replaced: index them once.
  var rowIndex = {};
  document.querySelectorAll("tr.bw-row[data-finess]").forEach(function (row) {
    var finess = row.getAttribute("data-finess");
    (rowIndex[finess] = rowIndex[finess] || []).push(row);
  });

  function rowsOf(finess) {
    return rowIndex[finess] || [];
  }

  function drawRow(hospital) {
    var look = lookOf(hospital, kind);
    var oldest = oldestOf(hospital, kind);
    rowsOf(hospital.finess).forEach(function (row) {
      row.setAttribute("data-sort-free", String(look.available));
      row.setAttribute("data-sort-age", oldest);
      row.classList.toggle("bw-dim", !look.hasUnits);
      var pin = row.querySelector("[data-hospital-available]");
      if (pin) {
        setPin(pin, look);
        pin.setAttribute("data-hospital-available", "");
      }
      var age = row.querySelector("[data-bw-row-age]");
      if (age) {
        age.setAttribute("data-updated-at", oldest);
        age.textContent = ageText(oldest || null);
      }
      if (data.page === "dispatch") row.hidden = !matchesSearch(hospital);
    });
  }

  function drawHospital(hospital) {
    drawMarker(hospital);
    var popup = registry.popups[hospital.finess];
    hospital.units.forEach(function (unit) {
      if (popup) drawUnit(popup, unit, hospital);
      rowsOf(hospital.finess).forEach(function (row) {
        drawUnit(row, unit, hospital);
      });
    });
    drawRow(hospital);
  }

  function drawTotals() {
    var perKind = {};
    var all = { units: 0, stale: 0, expired: 0 };
    Object.keys(data.hospitals).forEach(function (finess) {
      data.hospitals[finess].units.forEach(function (u) {
        var t = (perKind[u.kind] = perKind[u.kind] || {
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
      });
    });
    document.querySelectorAll("tr[data-total-kind]").forEach(function (row) {
      var t = perKind[row.getAttribute("data-total-kind")];
      if (!t) return;
      Object.keys(t).forEach(function (name) {
        var cell = row.querySelector('[data-total="' + name + '"]');
        if (cell) cell.textContent = String(t[name]);
      });
      var stale = row.querySelector('[data-total="stale"]');
      if (stale) stale.classList.toggle("bw-warn", t.stale > 0);
      row.classList.toggle("bw-dim", !!kind && kind !== row.getAttribute("data-total-kind"));
    });
    var sums = { stale: all.stale + all.expired, expired: all.expired, units: all.units };
    Object.keys(sums).forEach(function (name) {
      document.querySelectorAll('[data-total-all="' + name + '"]').forEach(function (el) {
        el.textContent = String(sums[name]);
      });
    });
  }

  function drawResults() {
    if (data.page !== "dispatch") return;
    var rank = 0;
    document.querySelectorAll("[data-bw-results] tr.bw-row").forEach(function (row) {
      var rankCell = row.querySelector("[data-bw-rank]");
      if (!row.hidden) rank += 1;
      if (rankCell) rankCell.textContent = row.hidden ? "" : String(rank);
    });
    var none = document.querySelector("[data-bw-no-result]");
    if (none) none.hidden = rank > 0;
    var count = document.querySelector("[data-bw-result-count]");
    if (count) count.hidden = rank === 0;
    if (count && rank > 0) count.textContent = count.textContent.replace(/^\d+/, String(rank));
  }

  // --- table sorting ----------------------------------------------------------------------

  var sortState = { key: "free", dir: -1 };

  function sortValue(row, key) {
    var raw = row.getAttribute("data-sort-" + key) || "";
    if (key === "free") return Number(raw) || 0;
    if (key === "age") return raw ? Date.parse(raw) : -Infinity; // never reported = oldest
    return raw.toLocaleLowerCase();
  }

  function sortTable() {
    var table = document.querySelector("table[data-bw-sortable]");
    if (!table) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var key = sortState.key;
    var dir = sortState.dir;
    rows.sort(function (a, b) {
      var va = sortValue(a, key);
      var vb = sortValue(b, key);
      if (va < vb) return -dir;
      if (va > vb) return dir;
      return sortValue(a, "name") < sortValue(b, "name") ? -1 : 1;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      var active = th.getAttribute("data-sort") === key;
      th.setAttribute("aria-sort", active ? (dir > 0 ? "ascending" : "descending") : "none");
    });
  }

  document.querySelectorAll("table[data-bw-sortable] th[data-sort] button").forEach(function (b) {
    b.addEventListener("click", function () {
      var key = b.parentNode.getAttribute("data-sort");
      if (sortState.key === key) sortState.dir = -sortState.dir;
      else sortState = { key: key, dir: key === "free" ? -1 : 1 };
      sortTable();
    });
  });

  // --- interactions -----------------------------------------------------------------------

  function redrawAll() {
    Object.keys(data.hospitals).forEach(function (finess) {
      drawHospital(data.hospitals[finess]);
    });
    drawTotals();
    drawResults();
    sortTable();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-bw-kind-select]")) {
      kind = target.value || null;
      var url = new URL(window.location.href);
      if (kind) url.searchParams.set("kind", kind);
      else url.searchParams.delete("kind");
      window.history.replaceState(null, "", url);
      redrawAll();
    }
    if (target.id === "bw-region-select" && target.value) {
      window.location.href = target
        .getAttribute("data-url-template")
        .replace("__code__", encodeURIComponent(target.value));
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-bw-focus]");
    if (!link) return;
    var marker = registry.markers[link.getAttribute("data-bw-focus")];
    if (!marker || !registry.map) return;
    event.preventDefault();
    registry.map.setView(marker.getLatLng(), Math.max(registry.map.getZoom(), 11));
    marker.openPopup();
  });

  // The dispatcher picks a point by clicking the map.
  var dispatchForm = document.querySelector("form[data-bw-dispatch-form]");
  if (dispatchForm && registry.map) {
    registry.map.on("click", function (e) {
      dispatchForm.elements.place.value =
        e.latlng.lat.toFixed(5) + ", " + e.latlng.lng.toFixed(5);
      dispatchForm.requestSubmit ? dispatchForm.requestSubmit() : dispatchForm.submit();
    });
  }

  // --- live -------------------------------------------------------------------------------

  function applyUnits(units) {
    var touched = {};
    units.forEach(function (incoming) {
      var finess = incoming.hospital || unitIndex[incoming.id];
      var hospital = data.hospitals[finess];
      if (!hospital) return; // not on this page
      var i = hospital.units.findIndex(function (u) {
        return u.id === incoming.id;
      });
      if (i >= 0) {
        if (hospital.units[i].version > incoming.version) return; // an older message
        hospital.units[i] = Object.assign({}, hospital.units[i], incoming);
      } else {
        hospital.units.push(Object.assign({}, incoming)); // a unit opened since the page loaded
        unitIndex[incoming.id] = finess;
      }
      touched[finess] = hospital;
    });
    Object.keys(touched).forEach(function (finess) {
      drawHospital(touched[finess]);
    });
    if (Object.keys(touched).length) {
      drawTotals();
      drawResults();
      sortTable();
    }
  }

  document.addEventListener("bedwatch:units", function (event) {
    if (event.detail && Array.isArray(event.detail.units)) applyUnits(event.detail.units);
  });

  // Ages grow and figures go stale while nobody reports: redraw them every 30 s.
  function tick() {
    var changed = false;
    Object.keys(data.hospitals).forEach(function (finess) {
      data.hospitals[finess].units.forEach(function (u) {
        var f = freshnessOf(u.updated_at);
        if (f !== u.freshness) {
          u.freshness = f;
          changed = true;
        }
      });
    });
    if (changed) redrawAll();
    document.querySelectorAll("time[data-updated-at]").forEach(function (t) {
      t.textContent = ageText(t.getAttribute("data-updated-at") || null);
    });
  }
  window.setInterval(tick, 30000);

  // Connect to the live feed when the realtime module is on the page.
  var status = document.querySelector("[data-bw-live-status]");
  if (status && window.BedwatchLive && status.getAttribute("data-sockets")) {
    status.getAttribute("data-sockets").split(" ").filter(Boolean).forEach(function (url) {
      window.BedwatchLive.connect({ url: url, statusElement: status });
    });
  }

  redrawAll();
  window.BedwatchMaps = { data: data, applyUnits: applyUnits, redraw: redrawAll };
})();
