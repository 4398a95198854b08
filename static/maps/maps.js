/* Bedwatch maps: markers, popups, the hospitals' table, kind selector, sorting, ages, and live
 * updates.
 *
 * The page holds its hospitals once (#bw-map-data, maps/builders.py `page_data`: arrays of the
 * API's fields, named in `fields`, with région thresholds, freshness hours and the words of
 * popups). Folium draws the base map and creates window.bedwatchMap; this script adds one
 * marker per hospital in one loop, registered by FINESS in window.bedwatchMap.markers, builds
 * a popup's content when it opens (from the current figures) and draws the area table's rows.
 * Live figures arrive as the realtime module's `bedwatch:units` event ({kind: "snapshot" |
 * "changed", units: [...]}); this script recolours markers, refreshes the popup built
 * (open or not), the table, totals and dispatch results. The same rules as beds/capacity.py
 * (tension) and maps/builders.py (looks) are applied here.
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

  // Expand the compact arrays into the API's objects, keyed by FINESS (`order` keeps the
  // server's order: FINESS numbers are integer-like keys, which objects sort numerically).
  var order = [];
  (function expand() {
    var hf = data.fields.hospital;
    var uf = data.fields.unit;
    var byFiness = {};
    data.hospitals.forEach(function (row) {
      var h = {};
      for (var i = 0; i < hf.length; i++) h[hf[i]] = row[i];
      h.units = h.units.map(function (r) {
        var u = { hospital: h.finess };
        for (var j = 0; j < uf.length; j++) u[uf[j]] = r[j];
        unitIndex[u.id] = h.finess;
        return u;
      });
      byFiness[h.finess] = h;
      order.push(h.finess);
    });
    data.hospitals = byFiness;
  })();
  var text = data.text || {};

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

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  function setPin(el, look) {
    el.className = look.cls;
    el.setAttribute("data-available", String(look.available));
    var span = el.querySelector("span") || el.appendChild(document.createElement("span"));
    span.textContent = look.hasUnits ? String(look.available) : "–";
  }

  // A marker's icon: the hospital's free beds of the kind shown, in a disc of its colour.
  function iconOf(hospital, look, out) {
    var pin = document.createElement("div");
    setPin(pin, look);
    if (out) pin.classList.add("bw-out");
    pin.setAttribute("data-finess", hospital.finess);
    return L.divIcon({
      html: pin,
      className: "bw-marker",
      iconSize: [34, 34],
      iconAnchor: [17, 17],
      popupAnchor: [0, -14],
    });
  }

  function zIndexOf(look, out) {
    return out ? -1000 : look.hasUnits ? look.available : -500;
  }

  function drawMarker(hospital) {
    var marker = registry.markers[hospital.finess];
    if (!marker || !window.L) return;
    var look = lookOf(hospital, kind);
    var out = !matchesSearch(hospital);
    marker.setIcon(iconOf(hospital, look, out));
    marker.setZIndexOffset(zIndexOf(look, out));
  }

  function unitClass(unit, hospital) {
    return "bw-t-" + tensionOf(unit, thresholdsOf(hospital)) + " bw-f-" + unit.freshness;
  }

  // A popup's content, built when it opens from the figures known then (live updates keep it
  // current while it is open: drawUnit).
  function popupElement(finess) {
    var h = data.hospitals[finess];
    var html = [
      "<h3>" + esc(h.name) + "</h3>",
      '<p class="bw-popup-place">' +
        esc([h.postcode, h.city].filter(Boolean).join(" ")) + " (" + esc(h.department) + ")</p>",
    ];
    if (h.phone) {
      html.push(
        '<p class="bw-popup-phone">' + esc(text.admissions) + ' : <a href="tel:' +
          esc(h.phone.replace(/ /g, "")) + '">' + esc(h.phone) + "</a></p>"
      );
    }
    html.push(text.popupHead);
    h.units.forEach(function (u) {
      html.push(
        '<tr data-unit-id="' + u.id + '" data-available="' + u.available + '" data-kind="' +
          esc(u.kind) + '" class="' + unitClass(u, h) + '"><th><abbr title="' +
          esc(text.kinds[u.kind] || u.kind) + '">' + esc(u.kind) + "</abbr> " + esc(u.label) +
          "</th>"
      );
      text.popupFigures.forEach(function (name) {
        html.push('<td data-figure="' + name + '">' + u[name] + "</td>");
      });
      html.push(
        '<td><time class="bw-age" data-updated-at="' + esc(u.updated_at) + '" datetime="' +
          esc(u.updated_at) + '">' + esc(ageText(u.updated_at)) + "</time></td></tr>"
      );
    });
    html.push("</tbody></table>");
    var el = document.createElement("div");
    el.className = "bw-popup";
    el.setAttribute("data-finess", finess);
    el.innerHTML = html.join("");
    registry.popups[finess] = el;
    return el;
  }

  var POPUP_OPTIONS = { maxWidth: 420, minWidth: 260, autoPanPaddingTopLeft: [20, 90] };

  // One marker per hospital, in one loop.
  function createMarkers() {
    if (!window.L || !registry.map) return;
    var map = registry.map;
    order.forEach(function (finess) {
      var hospital = data.hospitals[finess];
      var look = lookOf(hospital, kind);
      var out = !matchesSearch(hospital);
      var marker = L.marker([hospital.lat, hospital.lon], {
        icon: iconOf(hospital, look, out),
        title: hospital.name,
        riseOnHover: true,
        zIndexOffset: zIndexOf(look, out),
      });
      marker.bindPopup(function () {
        return popupElement(finess);
      }, POPUP_OPTIONS);
      marker.addTo(map);
      registry.markers[finess] = marker;
    });
  }

  // A unit's figures in every element that shows them (popup, chips).
  function drawUnit(root, unit, hospital) {
    var cls = unitClass(unit, hospital).split(" ");
    root.querySelectorAll('[data-unit-id="' + unit.id + '"]').forEach(function (el) {
      el.setAttribute("data-available", String(unit.available));
      el.classList.remove(
        "bw-t-normal", "bw-t-tension", "bw-t-saturated",
        "bw-f-fresh", "bw-f-ageing", "bw-f-stale", "bw-f-expired"
      );
      el.classList.add(cls[0], cls[1]);
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

  // --- the area table (national and régional pages) ----------------------------------------

  var areaBody = document.querySelector("table[data-bw-sortable] tbody[data-bw-rows]");

  function chipHtml(unit, hospital) {
    return (
      '<span class="bw-chip ' + unitClass(unit, hospital) + '" data-unit-id="' + unit.id +
      '" data-available="' + unit.available + '" data-kind="' + esc(unit.kind) + '" title="' +
      esc((text.kinds[unit.kind] || unit.kind) + " — " + unit.label) + '"><b>' + esc(unit.kind) +
      '</b> <span data-figure="available">' + unit.available +
      '</span><small>/<span data-figure="installed">' + unit.installed + "</span></small></span>"
    );
  }

  function chipsHtml(hospital) {
    return hospital.units
      .map(function (u) {
        return chipHtml(u, hospital);
      })
      .join("");
  }

  function rowHtml(hospital) {
    var look = lookOf(hospital, kind);
    var oldest = oldestOf(hospital, kind);
    var f = esc(hospital.finess);
    return (
      '<tr data-finess="' + f + '" data-sort-name="' + esc(hospital.name) +
      '" data-sort-free="' + look.available + '" data-sort-age="' + esc(oldest) +
      '" class="bw-row' + (look.hasUnits ? "" : " bw-dim") + '">' +
      '<td class="bw-c-name"><a href="#" data-bw-focus="' + f + '">' + esc(hospital.name) +
      "</a><small>" + esc(hospital.city) + " (" + esc(hospital.department) + ")</small>" +
      '<div class="bw-units" title="' + esc(text.unitsTitle) + '">' + chipsHtml(hospital) +
      "</div></td>" +
      '<td class="bw-num"><span class="' + look.cls + '" data-hospital-available><span>' +
      (look.hasUnits ? look.available : "–") + "</span></span></td>" +
      '<td class="bw-c-age"><time class="bw-age" data-updated-at="' + esc(oldest) +
      '" data-bw-row-age>' + esc(ageText(oldest || null)) + "</time></td>" +
      '<td class="bw-c-phone">' +
      (hospital.phone
        ? '<a href="tel:' + esc(hospital.phone.replace(/ /g, "")) + '">' + esc(hospital.phone) +
          "</a>"
        : "") +
      "</td></tr>"
    );
  }

  // Rows move when the table is sorted but are not replaced while shown: index them when drawn.
  var rowIndex = {};

  function indexRows() {
    rowIndex = {};
    document.querySelectorAll("tr.bw-row[data-finess]").forEach(function (row) {
      var finess = row.getAttribute("data-finess");
      (rowIndex[finess] = rowIndex[finess] || []).push(row);
    });
  }

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
      // A unit opened since the page was drawn gets its chip.
      var chips = row.querySelector("div.bw-units");
      if (chips && chips.querySelectorAll("[data-unit-id]").length !== hospital.units.length) {
        chips.innerHTML = chipsHtml(hospital);
      }
      if (data.page === "dispatch") row.hidden = !matchesSearch(hospital);
    });
  }

  function drawHospital(hospital) {
    drawMarker(hospital);
    var popup = registry.popups[hospital.finess];
    if (popup && popup.querySelectorAll("[data-unit-id]").length !== hospital.units.length) {
      // A unit opened since the popup was built: rebuild its content in place.
      var fresh = popupElement(hospital.finess);
      popup.replaceChildren.apply(popup, Array.prototype.slice.call(fresh.childNodes));
      registry.popups[hospital.finess] = popup;
    }
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

  // --- table: sorting and the rows shown ----------------------------------------------------
  //
  // The area table shows the first rows in the chosen order (a national table has ~1,800
  // hospitals: laying them all out cost seconds) and more as it is scrolled or on request.
  // Rows are drawn from the current figures; shown rows are updated in place and reordered.

  var sortState = { key: "free", dir: -1 };
  var TABLE_FIRST = data.tableFirst || 60;
  var TABLE_MORE = 200;
  var tableShown = TABLE_FIRST;
  var moreBox = document.querySelector("[data-bw-more]");

  function sortValue(hospital, key) {
    if (key === "free") return lookOf(hospital, kind).available;
    if (key === "age") {
      var oldest = oldestOf(hospital, kind);
      return oldest ? Date.parse(oldest) : -Infinity; // never reported = oldest
    }
    return hospital.name.toLocaleLowerCase();
  }

  function tableOrder() {
    var key = sortState.key;
    var dir = sortState.dir;
    var keyed = order.map(function (finess) {
      var h = data.hospitals[finess];
      return { finess: finess, value: sortValue(h, key), name: h.name.toLocaleLowerCase() };
    });
    keyed.sort(function (a, b) {
      if (a.value < b.value) return -dir;
      if (a.value > b.value) return dir;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    return keyed.map(function (k) {
      return k.finess;
    });
  }

  function drawTable() {
    if (!areaBody) return;
    var wanted = tableOrder().slice(0, tableShown);
    var current = Array.prototype.slice.call(areaBody.rows);
    var same =
      current.length === wanted.length &&
      wanted.every(function (finess, i) {
        return current[i].getAttribute("data-finess") === finess;
      });
    if (!same) {
      var existing = {};
      current.forEach(function (row) {
        existing[row.getAttribute("data-finess")] = row;
      });
      var made = {};
      var html = wanted
        .filter(function (finess) {
          return !existing[finess];
        })
        .map(function (finess) {
          return rowHtml(data.hospitals[finess]);
        })
        .join("");
      if (html) {
        var holder = document.createElement("tbody");
        holder.innerHTML = html;
        Array.prototype.slice.call(holder.rows).forEach(function (row) {
          made[row.getAttribute("data-finess")] = row;
        });
      }
      var fragment = document.createDocumentFragment();
      wanted.forEach(function (finess) {
        fragment.appendChild(existing[finess] || made[finess]);
      });
      areaBody.replaceChildren(fragment);
      indexRows();
    }
    if (moreBox) moreBox.hidden = tableShown >= order.length;
    var table = areaBody.closest("table");
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      var active = th.getAttribute("data-sort") === sortState.key;
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

  document.querySelectorAll("table[data-bw-sortable] th[data-sort] button").forEach(function (b) {
    b.addEventListener("click", function () {
      var key = b.parentNode.getAttribute("data-sort");
      if (sortState.key === key) sortState.dir = -sortState.dir;
      else sortState = { key: key, dir: key === "free" ? -1 : 1 };
      drawTable();
    });
  });

  if (areaBody) {
    var scroller = areaBody.closest(".bw-table-scroll");
    if (scroller) {
      scroller.addEventListener(
        "scroll",
        function () {
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 400) showMore();
        },
        { passive: true }
      );
    }
    if (moreBox) moreBox.querySelector("button").addEventListener("click", showMore);
  }

  // --- interactions -----------------------------------------------------------------------

  function redrawAll() {
    Object.keys(data.hospitals).forEach(function (finess) {
      drawHospital(data.hospitals[finess]);
    });
    drawTotals();
    drawResults();
    drawTable();
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
        var known = hospital.units[i];
        if (known.version > incoming.version) return; // an older message
        // A snapshot repeats what the page already shows: nothing to redraw.
        if (known.version === incoming.version && known.updated_at === incoming.updated_at &&
            known.freshness === incoming.freshness) return;
        hospital.units[i] = Object.assign({}, known, incoming);
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
      drawTable();
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

  // A page with several audiences (a coordinator of several régions) connects to each; a
  // single one is connected by the realtime module itself (templates/maps/_live.html). Its
  // script is deferred: it runs before DOMContentLoaded, after this one.
  function connectAudiences() {
    var holder = document.querySelector("[data-bw-sockets]");
    if (!holder || !window.BedwatchLive) return;
    var status = document.getElementById("live-status");
    holder
      .getAttribute("data-bw-sockets")
      .split(" ")
      .filter(Boolean)
      .forEach(function (url) {
        window.BedwatchLive.connect({ url: url, statusElement: status });
      });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connectAudiences);
  } else {
    connectAudiences();
  }

  createMarkers();
  indexRows(); // the dispatcher's results (server-drawn)
  drawTable(); // the area table
  window.BedwatchMaps = { data: data, applyUnits: applyUnits, redraw: redrawAll };
})();
