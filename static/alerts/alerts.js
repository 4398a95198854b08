/* Bedwatch: a région's alert list, kept live (docs/alerts.md).
 *
 * Listens to the `bedwatch:message` events of live.js for `alerts.changed` messages of the
 * list's région; adds, updates and removes its items from the item <template> of the page.
 * The acknowledge button posts to the API (the form works without JavaScript too). On every
 * snapshot (a new or resumed socket) the list is read again from the API: nothing missed
 * while the socket was away.
 */
const section = document.querySelector("[data-alerts-region]");

function format(pattern, values) {
  return pattern.replace(/%\((\w+)\)s/g, (_m, name) => (values[name] ?? "").toString());
}

function hhmm(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const zone = document.documentElement.getAttribute("data-time-zone") || "Europe/Paris";
  return new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: zone }).format(date);
}

function describe(alert, labels) {
  const values = {
    scope: alert.scope_name || alert.scope_code,
    kind: labels.kinds[alert.unit_kind] || alert.unit_kind || "",
    ...alert.figures,
  };
  const pattern = alert.kind === "stale" ? labels.stale : labels[alert.level] || labels.tension;
  return format(pattern, values);
}

function csrfToken(root) {
  const input = root.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function setup(root) {
  const region = root.getAttribute("data-alerts-region");
  const list = root.querySelector("[data-alerts-list]");
  const empty = root.querySelector("[data-alerts-empty]");
  const template = root.querySelector("template[data-alerts-item]");
  const labels = JSON.parse(document.getElementById("bw-alerts-labels").textContent);
  const ackUrl = root.getAttribute("data-alerts-ack-url");

  function refreshEmpty() {
    empty.hidden = list.children.length > 0;
  }

  function fill(item, alert) {
    item.setAttribute("data-alert-id", String(alert.id));
    item.setAttribute("data-state", alert.state);
    item.className = `bw-alert bw-alert--${alert.level}`;
    item.querySelector("[data-alert-text]").textContent = describe(alert, labels);
    item.querySelector("[data-alert-state]").textContent =
      alert.state === "acknowledged"
        ? format(labels.acknowledged, { who: alert.acknowledged_by, when: hhmm(alert.acknowledged_at) })
        : "";
    const form = item.querySelector("[data-alert-ack]");
    if (form) {
      form.hidden = alert.state !== "open";
      form.setAttribute("action", ackUrl.replace("/0/", `/${alert.id}/`).replace("/api/v1", ""));
    }
  }

  function apply(alert) {
    let item = list.querySelector(`[data-alert-id="${alert.id}"]`);
    if (alert.state === "resolved") {
      if (item) item.remove();
    } else {
      if (!item) {
        item = template.content.firstElementChild.cloneNode(true);
        list.prepend(item);
      }
      fill(item, alert);
    }
    refreshEmpty();
  }

  async function reload() {
    const response = await fetch(`${root.getAttribute("data-alerts-api")}?page_size=100`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const body = await response.json();
    const unresolved = body.results.filter((a) => a.state !== "resolved");
    const keep = new Set(unresolved.map((a) => String(a.id)));
    for (const item of [...list.children]) {
      if (!keep.has(item.getAttribute("data-alert-id"))) item.remove();
    }
    for (const alert of unresolved.reverse()) apply(alert);
    refreshEmpty();
  }

  document.addEventListener("bedwatch:message", (event) => {
    const message = event.detail;
    if (message && message.type === "alerts.changed" && message.region === region) {
      for (const alert of message.alerts) apply(alert);
    }
  });
  document.addEventListener("bedwatch:units", (event) => {
    if (event.detail && event.detail.kind === "snapshot") reload().catch(() => {});
  });

  list.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-alert-ack]");
    if (!form) return;
    event.preventDefault();
    const id = form.closest("[data-alert-id]").getAttribute("data-alert-id");
    const response = await fetch(ackUrl.replace("/0/", `/${id}/`), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    });
    if (response.ok) apply(await response.json());
    else form.submit(); // the server page says why
  });
}

if (section) setup(section);
