/* Bedwatch live figures (docs/realtime.md). Plain JavaScript, no dependency.
 *
 *   var live = BedwatchLive.connect({url: "/ws/regions/84/", statusElement: el});
 *   live.close();
 *
 * On every snapshot and change: each element with data-unit-id="<id>" gets data-available and
 * the text of its [data-figure="<name>"] descendants; then document receives
 * CustomEvent("bedwatch:units", {detail: {kind: "snapshot"|"changed", units: [...], seq: N}}).
 *
 * The state of the feed (the worst of the page's connections) is on <html data-live-state>:
 * live, degraded (the server says its feed is down, or no fresh snapshot yet since it came
 * back), reconnecting (no connection, trying with back-off), offline (access withdrawn, or no
 * connection for a while); each change fires CustomEvent("bedwatch:live-state",
 * {detail: {state, as_of}}), as_of being when the figures shown were last known current.
 * Whenever figures were shown and the state is not live, the banner of
 * templates/realtime/_live_status.html says so and static/realtime/live.css greys the figures.
 * A connection that hears nothing (not even the server's heartbeat, `status`) for two
 * heartbeats is given up and opened again.
 *
 * Times are shown in the zone named by <html data-time-zone> (default Europe/Paris), with the
 * zone named when it is not the viewer's.
 */
(function (global) {
  "use strict";

  var FIGURES = ["installed", "available", "occupied", "reserved", "closed", "extra"];
  var TEXTS = {
    fr: {
      live: "en direct",
      degraded: "chiffres figés à {time}",
      reconnecting: "reconnexion…",
      offline: "chiffres de {time}",
      banner: "Connexion perdue — chiffres figés à {time}",
    },
    en: {
      live: "live",
      degraded: "figures frozen at {time}",
      reconnecting: "reconnecting…",
      offline: "figures as of {time}",
      banner: "Connection lost — figures frozen at {time}",
    },
  };
  var STATES = ["live", "degraded", "reconnecting", "offline"]; // best to worst
  // After this long without a connection the page says how old its figures are.
  var OFFLINE_AFTER_MS = 10000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 10000;
  // The server's heartbeat period until it names its own (`every`, seconds).
  var DEFAULT_HEARTBEAT_S = 2;
  // The server closed the socket because its user logged out or lost access (4401), or may no
  // longer follow this feed (4403): reconnecting would be refused, so stop and say how old the
  // figures are.
  var REVOKED = [4401, 4403];

  var DEFAULT_ZONE = "Europe/Paris";

  function timeZone() {
    return document.documentElement.getAttribute("data-time-zone") || DEFAULT_ZONE;
  }

  function viewerZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return "";
    }
  }

  // {day, month, hour, minute, zoneName} of `date` in the page's zone.
  function parts(date) {
    var zone = timeZone();
    var fields = {};
    try {
      var format = new Intl.DateTimeFormat("fr-FR", {
        timeZone: zone,
        day: "2-digit",
        month: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
        timeZoneName: "short",
      });
      var list = format.formatToParts(date);
      for (var i = 0; i < list.length; i++) fields[list[i].type] = list[i].value;
    } catch (e) {
      // An unknown zone name: the viewer's clock, named as such.
      var pad = function (n) {
        return (n < 10 ? "0" : "") + n;
      };
      fields = {
        day: pad(date.getDate()),
        month: pad(date.getMonth() + 1),
        hour: pad(date.getHours()),
        minute: pad(date.getMinutes()),
        timeZoneName: "",
      };
    }
    return fields;
  }

  function zoneSuffix(fields) {
    return viewerZone() !== timeZone() && fields.timeZoneName ? " (" + fields.timeZoneName + ")" : "";
  }

  function hhmm(date) {
    var fields = parts(date);
    return fields.hour + ":" + fields.minute + zoneSuffix(fields);
  }

  function formatUpdatedAt(value) {
    if (!value) return "—";
    var date = new Date(value);
    if (isNaN(date.getTime())) return String(value);
    var fields = parts(date);
    var today = parts(new Date());
    var time = fields.hour + ":" + fields.minute;
    var sameDay = fields.day === today.day && fields.month === today.month;
    return (sameDay ? time : fields.day + "/" + fields.month + " " + time) + zoneSuffix(fields);
  }

  function language(el) {
    var lang = (el && el.getAttribute("data-live-lang")) || document.documentElement.lang || "fr";
    lang = lang.toLowerCase().slice(0, 2);
    return TEXTS[lang] ? lang : "en";
  }

  function text(el, key) {
    // A page may give its own (translated) wording: data-text-live, data-text-banner…
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

  // -- the page's state: the worst of its connections ---------------------------------------

  var connections = [];
  var pageState = null;
  var pageAsOf = null;

  function banner() {
    var node = document.getElementById("live-banner");
    // Full width at the top of the page, wherever the partial was included.
    if (node && node.parentNode !== document.body && document.body) {
      document.body.insertBefore(node, document.body.firstChild);
    }
    return node;
  }

  function updatePage() {
    var worst = 0;
    var asOf = null;
    var shown = false;
    for (var i = 0; i < connections.length; i++) {
      var c = connections[i];
      worst = Math.max(worst, STATES.indexOf(c.state));
      if (c.shownAt) shown = true;
    }
    var state = connections.length ? STATES[worst] : "offline";
    // As of when the figures are current: the oldest moment any connection vouches for.
    for (var k = 0; k < connections.length; k++) {
      var at = connections[k].state === "live" ? connections[k].currentAt : connections[k].frozenAt || connections[k].currentAt;
      if (at && (!asOf || at < asOf)) asOf = at;
    }
    var root = document.documentElement;
    root.setAttribute("data-live-state", state);
    var node = banner();
    var lost = state !== "live" && shown;
    if (lost) root.setAttribute("data-live-stale", "");
    else root.removeAttribute("data-live-stale");
    if (node) {
      var label = node.querySelector("[data-live-banner-text]") || node;
      setText(label, text(node, "banner").replace("{time}", asOf ? hhmm(asOf) : "—"));
      node.hidden = !lost;
    }
    var iso = asOf ? asOf.toISOString() : null;
    if (state !== pageState || iso !== pageAsOf) {
      pageState = state;
      pageAsOf = iso;
      document.dispatchEvent(
        new CustomEvent("bedwatch:live-state", { detail: { state: state, as_of: iso } })
      );
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
    var silenceTimer = null;
    var heartbeatS = DEFAULT_HEARTBEAT_S;
    var serverLive = true; // the last `status` said live (or none came yet)
    var serverSince = null; // since when the server's feed is down, as it said
    var conn = {
      state: "reconnecting",
      currentAt: null, // when the figures shown were last known current
      frozenAt: null, // since when they are not (the server's `since`, or our last news)
      shownAt: null, // when a snapshot was first shown (no banner before any figure)
    };
    connections.push(conn);

    function setState(state) {
      if (state !== "live" && conn.state === "live") conn.frozenAt = conn.currentAt;
      if (state === "live") conn.frozenAt = null;
      conn.state = state;
      if (status) {
        status.setAttribute("data-live-state", state);
        var label;
        var frozen = conn.frozenAt || conn.currentAt;
        if (state === "live" || state === "reconnecting") label = text(status, state);
        else label = text(status, state).replace("{time}", frozen ? hhmm(frozen) : "—");
        setText(status, label);
      }
      updatePage();
    }

    function publish(kind, units, seq) {
      applyUnits(units);
      document.dispatchEvent(
        new CustomEvent("bedwatch:units", { detail: { kind: kind, units: units, seq: seq } })
      );
    }

    // Nothing heard for two heartbeats: the connection is gone, whatever the browser thinks.
    function listen() {
      if (silenceTimer) clearTimeout(silenceTimer);
      silenceTimer = setTimeout(function () {
        silenceTimer = null;
        if (socket) {
          var stale = socket;
          socket = null;
          stale.onclose = null;
          stale.onmessage = null;
          stale.close();
          onClose({ code: 1006 });
        }
      }, heartbeatS * 2000 + 250);
    }

    function onStatus(message) {
      if (message.every) heartbeatS = message.every;
      if (message.live === false) {
        serverLive = false;
        var since = message.since ? new Date(message.since) : null;
        if (since && isNaN(since.getTime())) since = null;
        serverSince = since;
        if (conn.state === "live") {
          setState("degraded");
          if (since && (!conn.frozenAt || since < conn.frozenAt)) {
            conn.frozenAt = since;
            setState("degraded");
          }
        }
      } else {
        serverLive = true; // live again once a fresh snapshot arrives (it follows)
        serverSince = null;
        if (conn.state === "live") conn.currentAt = new Date();
      }
    }

    function onMessage(event) {
      listen();
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.type === "status") {
        onStatus(message);
      } else if (message.type === "snapshot") {
        lastSeq = message.seq;
        versions = {};
        for (var i = 0; i < message.units.length; i++) versions[message.units[i].id] = message.units[i].version;
        attempts = 0;
        conn.currentAt = new Date();
        conn.shownAt = conn.shownAt || conn.currentAt;
        publish("snapshot", message.units, message.seq);
        if (!serverLive && conn.state !== "live") conn.frozenAt = serverSince || conn.currentAt;
        setState(serverLive ? "live" : "degraded");
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
        if (conn.state === "live") conn.currentAt = new Date();
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
      if (silenceTimer) {
        clearTimeout(silenceTimer);
        silenceTimer = null;
      }
      if (closed) return;
      if (event && REVOKED.indexOf(event.code) !== -1) {
        closed = true;
        setState("offline");
        return;
      }
      if (conn.state !== "offline") setState("reconnecting");
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
      serverLive = true;
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
        listen();
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
        if (silenceTimer) clearTimeout(silenceTimer);
        if (socket) {
          socket.onclose = null;
          socket.close();
        }
        socket = null;
        setState("offline");
      },
    };
  }

  global.BedwatchLive = { connect: connect, formatTime: hhmm, formatUpdatedAt: formatUpdatedAt };

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
