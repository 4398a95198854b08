// Place suggestions on the dispatch page: as the dispatcher types (2 characters or more), up to
// 8 communes from GET /api/v1/places/, each with its département. A pick fills the field with
// "Name (postcode)", which the server resolves to that very commune. Without this module the
// field still takes every form the server reads (a name, a postcode, "Lyon 3e", coordinates).
//
// The field is an ARIA 1.2 combobox: ↓/↑ move through the list, Enter picks, Escape closes.

const MIN_CHARS = 2;
const MAX_SHOWN = 8;
const DELAY_MS = 120;
// Coordinates are not looked up: "45.76, 4.84" is searched from as typed.
const POINT = /^\s*-?\d{1,3}([.,]\d*)?\s*[,;\s]\s*-?\d/;

export function setUp(form) {
  const input = form.elements.place;
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const url = form.dataset.placesUrl;
  if (!input || !list || !url) return;
  const namesBlock = document.getElementById("bw-departments");
  const departments = namesBlock ? JSON.parse(namesBlock.textContent) : {};
  let places = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    places = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(found) {
    places = found.slice(0, MAX_SHOWN);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!places.length) return close();
    list.replaceChildren(
      ...places.map((place, i) => {
        const option = document.createElement("li");
        option.id = `bw-place-option-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.index = String(i);
        const name = document.createElement("span");
        name.className = "bw-suggestion-name";
        name.textContent = place.name;
        const where = document.createElement("span");
        where.className = "bw-suggestion-where";
        const department = departments[place.department] || "";
        where.textContent = `${place.postcode} · ${department} (${place.department})`;
        option.append(name, where);
        return option;
      }),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    const place = places[index];
    if (!place) return;
    input.value = `${place.name} (${place.postcode})`;
    close();
    input.focus();
  }

  async function lookUp(text) {
    const ticket = ++asked;
    try {
      const response = await fetch(`${url}?${new URLSearchParams({ q: text })}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return; // the field still works without suggestions
      const found = await response.json();
      // Only for the text still typed, and while the field has the focus (a late answer must
      // not open the list over the rest of the form).
      if (ticket === asked && input.value.trim() === text && document.activeElement === input) {
        show(found);
      }
    } catch {
      // Offline or refused: no suggestions, the search still works.
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < MIN_CHARS || POINT.test(text)) {
      asked += 1; // drop answers still on their way
      return close();
    }
    timer = window.setTimeout(() => lookUp(text), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const last = places.length - 1;
      if (event.key === "ArrowDown") highlight(active >= last ? 0 : active + 1);
      else highlight(active <= 0 ? last : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault(); // pick, do not search yet
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  // mousedown, not click: it comes before the field's blur closes the list.
  list.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault();
    pick(Number(option.dataset.index));
  });

  input.addEventListener("blur", () => {
    window.clearTimeout(timer);
    asked += 1; // drop answers still on their way
    window.setTimeout(close, 150);
  });
}

const form = document.querySelector("form[data-bw-dispatch-form]");
if (form) setUp(form);
