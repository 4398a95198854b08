/* Bedwatch live figures (docs/realtime.md). Plain JavaScript, no dependency.
 *
 *   var live = BedwatchLive.connect({url: "/ws/regions/84/", statusElement: el});
 *   live.close();
 *
 * On every snapshot and change: each element with data-unit-id="<id>" gets data-available and
 * the text of its [data-figure="<name>"] descendants; then document receives
 * CustomEvent("bedwatch:units", {detail: {kind: "snapshot"|"changed", units: [...], seq: N}}).
 * The status element says live / reconnecting… / figures as of HH:MM (data-live-state:
 * live, reconnecting, offline).
 */
(function (global) {
  "use strict";

  var FIGURES = ["installed", "available", "occupied", "reserved", "closed", "extra"];
  var TEXTS = {
    fr: { live: "en direct", reconnecting: "reconnexion…", offline: "chiffres de {time}" },
    en: { live: "live", reconnecting: "reconnecting…", offline: "figures as of {time}" },
  };
  // After this long without a connection the page says how old its figures are.
  var OFFLINE_AFTER_MS = 10000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 30000;
  // The server closed the socket because its user logged out or lost access (4401), or may no
  // longer follow this feed (4403): reconnecting would be refused, so stop and say how old the
  // figures are.
  var REVOKED = [4401, 4403];

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function hhmm(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function formatUpdatedAt(value) {
    if (!value) return "—";
    var date = new Date(value);
    if (isNaN(date.getTime())) return String(value);
    var now = new Date();
    var sameDay = date.toDateString() === now.toDateString();
    return sameDay ? hhmm(date) : pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + " " + hhmm(date);
  }

  function language(el) {
    var lang = (el && el.getAttribute("data-live-lang")) || document.documentElement.lang || "fr";
    lang = lang.toLowerCase().slice(0, 2);
    return TEXTS[lang] ? lang : "en";
  }

  function text(el, key) {
    // A page may give its own (translated) wording: data-text-live, data-text-reconnecting…
    var custom = el && el.getAttribute("data-text-" + key);
    return custom || TEXTS[language(el)][key];
  }

  function wsUrl(url) {
    if (/^wss?:\/\//.test(url)) return url;
    var scheme = global.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + global.location.host + url;
  }

  function setText(node, value) {
    if (node.textContent !== value) node.textContent = value; // unchanged text: no relayout
  }

  function applyUnit(unit, nodes) {
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      node.setAttribute("data-available", String(unit.available));
      if (unit.freshness) node.setAttribute("data-freshness", unit.freshness);
      if (unit.version !== undefined) node.setAttribute("data-version", String(unit.version));
      var figures = node.querySelectorAll("[data-figure]");
      for (var j = 0; j < figures.length; j++) {
        var name = figures[j].getAttribute("data-figure");
        if (FIGURES.indexOf(name) >= 0 || name === "freshness") {
          if (unit[name] !== undefined) setText(figures[j], String(unit[name]));
        } else if (name === "updated_at") {
          setText(figures[j], formatUpdatedAt(unit.updated_at));
          if (unit.updated_at) figures[j].setAttribute("datetime", unit.updated_at);
        }
      }
    }
  }

  // The page's elements of each unit, found in one pass over the page: one query per unit
  // would walk the whole page thousands of times for a national snapshot.
  function applyUnits(units) {
    var byId = {};
    var nodes = document.querySelectorAll("[data-unit-id]");
    for (var i = 0; i < nodes.length; i++) {
      var id = nodes[i].getAttribute("data-unit-id");
      (byId[id] = byId[id] || []).push(nodes[i]);
    }
    for (var j = 0; j < units.length; j++) {
      var found = byId[String(units[j].id)];
      if (found) applyUnit(units[j], found);
    }
  }

  function connect(options) {
    var url = wsUrl(options.url);
    var status = options.statusElement || null;
    var socket = null;
    var closed = false;
    var lastSeq = null;
    var versions = {};
    var attempts = 0;
    var retryTimer = null;
    var offlineTimer = null;
    var lastDataAt = null; // when the figures shown were last known to be current

    function setState(state) {
      if (!status) return;
      status.setAttribute("data-live-state", state);
      var label;
      if (state === "live") label = text(status, "live");
      else if (state === "reconnecting") label = text(status, "reconnecting");
      else label = text(status, "offline").replace("{time}", lastDataAt ? hhmm(lastDataAt) : "—");
      status.textContent = label;
      if (lastDataAt) status.setAttribute("title", text(status, "offline").replace("{time}", hhmm(lastDataAt)));
    }

    function publish(kind, units, seq) {
      applyUnits(units);
      document.dispatchEvent(
        new CustomEvent("bedwatch:units", { detail: { kind: kind, units: units, seq: seq } })
      );
    }

    function onMessage(event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.type === "snapshot") {
        lastSeq = message.seq;
        versions = {};
        for (var i = 0; i < message.units.length; i++) versions[message.units[i].id] = message.units[i].version;
        attempts = 0;
        lastDataAt = new Date();
        setState("live");
        publish("snapshot", message.units, message.seq);
      } else if (message.type === "units.changed") {
        if (lastSeq === null) return; // no snapshot yet: it is on its way
        if (message.seq <= lastSeq) return; // already in the snapshot
        if (message.seq !== lastSeq + 1) {
          // Something was missed: ask for a fresh snapshot (it resets lastSeq).
          socket.send(JSON.stringify({ type: "resync" }));
        }
        lastSeq = message.seq;
        // Never go back to an older version of a unit (a change already in the snapshot).
        var fresh = [];
        for (var j = 0; j < message.units.length; j++) {
          var unit = message.units[j];
          var known = versions[unit.id];
          if (known === undefined || unit.version === undefined || unit.version >= known) {
            versions[unit.id] = unit.version;
            fresh.push(unit);
          }
        }
        lastDataAt = new Date();
        if (fresh.length) publish("changed", fresh, message.seq);
      } else if (message.type) {
        // Any other message (alerts.changed …) counts in the audience's seq, then goes to
        // whoever listens: document CustomEvent "bedwatch:message", the message as detail.
        if (typeof message.seq === "number" && lastSeq !== null && message.seq > lastSeq) {
          if (message.seq !== lastSeq + 1) socket.send(JSON.stringify({ type: "resync" }));
          lastSeq = message.seq;
        }
        document.dispatchEvent(new CustomEvent("bedwatch:message", { detail: message }));
      }
    }

    function scheduleReconnect() {
      if (closed) return;
      var delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts));
      delay = delay / 2 + Math.random() * (delay / 2); // jitter: not every page at once
      attempts += 1;
      retryTimer = setTimeout(open, delay);
    }

    function onClose(event) {
      socket = null;
      lastSeq = null;
      if (closed) return;
      if (event && REVOKED.indexOf(event.code) !== -1) {
        closed = true;
        setState("offline");
        return;
      }
      if (status && status.getAttribute("data-live-state") !== "offline") setState("reconnecting");
      if (!offlineTimer) {
        offlineTimer = setTimeout(function () {
          offlineTimer = null;
          if (!socket || socket.readyState !== WebSocket.OPEN) setState("offline");
        }, OFFLINE_AFTER_MS);
      }
      scheduleReconnect();
    }

    function open() {
      retryTimer = null;
      if (closed) return;
      try {
        socket = new WebSocket(url);
      } catch (e) {
        onClose();
        return;
      }
      socket.onmessage = onMessage;
      socket.onopen = function () {
        if (offlineTimer) {
          clearTimeout(offlineTimer);
          offlineTimer = null;
        }
      };
      socket.onclose = onClose;
      socket.onerror = function () {}; // onclose follows and handles it
    }

    setState("reconnecting");
    open();

    return {
      close: function () {
        closed = true;
        if (retryTimer) clearTimeout(retryTimer);
        if (offlineTimer) clearTimeout(offlineTimer);
        if (socket) socket.close();
        socket = null;
        setState("offline");
      },
    };
  }

  global.BedwatchLive = { connect: connect };

  // <… data-live-url="/ws/…/" data-live-autoconnect> (templates/realtime/_live_status.html).
  function autoconnect() {
    var nodes = document.querySelectorAll("[data-live-url][data-live-autoconnect]");
    for (var i = 0; i < nodes.length; i++) {
      connect({ url: nodes[i].getAttribute("data-live-url"), statusElement: nodes[i] });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoconnect);
  else autoconnect();
})(window);
