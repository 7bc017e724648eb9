// reintegra's only script besides htmx. No inline scripts anywhere: the CSP forbids them.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    // htmx may have changed the address (filters): come back to the page as it is now.
    const next = target.form.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
    target.form.submit();
  }
});
document.documentElement.classList.add("js");

// Quick exit (templates/includes/quick_exit.html): the button, or Escape pressed twice within a
// second, blanks the page at once, ends the session (the form's POST, with its CSRF token) and puts
// the neutral page in this page's place in the history, so Back does not lead back here. Without
// JavaScript the form posts and the server answers with the neutral page.
(() => {
  const form = document.getElementById("quick-exit");
  if (!form) return;
  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    document.documentElement.classList.add("exiting");
    const ended = fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => undefined);
    const enough = new Promise((resolve) => { window.setTimeout(resolve, 1500); });
    Promise.race([ended, enough]).then(() => window.location.replace(form.dataset.neutral));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    leave();
  });
  let lastEscape = 0;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.repeat) return;
    const now = Date.now();
    if (now - lastEscape < 1000) leave();
    lastEscape = now;
  });
})();

// Forms (templates/includes/field.html, lib/formfields.py). Each a progressive enhancement: the
// page works without it.
(() => {
  // A long list of choices (a select with data-filter, ticks in a .choice-list) gets a box above it
  // that shows only the choices whose name (or code) holds what is typed; ticked or chosen ones stay.
  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const filterList = (list, words) => {
    if (list instanceof HTMLSelectElement) {
      for (const option of list.options) {
        option.hidden = Boolean(words) && !option.selected && option.value !== "" &&
          !fold(`${option.text} ${option.value}`).includes(words);
      }
      for (const group of list.querySelectorAll("optgroup")) {
        group.hidden = [...group.children].every((option) => option.hidden);
      }
      return;
    }
    for (const input of list.querySelectorAll("input")) {
      const row = input.closest("div");
      const label = input.closest("label") || row;
      row.hidden = Boolean(words) && !input.checked && !fold(`${label.textContent} ${input.value}`).includes(words);
    }
    for (const group of list.querySelectorAll(":scope > div")) {
      const rows = group.querySelectorAll(":scope > div");
      if (rows.length) group.hidden = [...rows].every((row) => row.hidden);
    }
  };
  const addFilter = (list) => {
    if (!list.id || document.querySelector(`input[data-filter-for="${list.id}"]`)) return;
    const box = document.createElement("input");
    box.type = "search";
    box.className = "choice-filter";
    box.dataset.filterFor = list.id;
    box.setAttribute("aria-controls", list.id);
    const words = document.body.dataset.filterLabel || "";
    box.placeholder = words;
    box.setAttribute("aria-label", words);
    box.addEventListener("input", () => {
      const target = document.getElementById(box.dataset.filterFor);
      if (target) filterList(target, fold(box.value.trim()));
    });
    list.before(box);
  };
  const enhance = (root) => {
    root.querySelectorAll("select[data-filter], div.choice-list").forEach(addFilter);
    root.querySelectorAll("select[data-filter-by]").forEach(followAgency);
  };

  // The services offered are those of the agency chosen (select[data-filter-by] names the agency's
  // select); the server refuses a service of another agency anyway.
  const showServicesOf = (services, agency) => {
    for (const option of services.options) {
      const other = Boolean(agency) && option.dataset.agency !== undefined && option.dataset.agency !== agency;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) services.value = "";
    }
    for (const group of services.querySelectorAll("optgroup")) {
      group.hidden = [...group.children].every((option) => option.hidden);
    }
  };
  const followAgency = (services) => {
    const agency = document.getElementById(services.dataset.filterBy);
    if (!agency || services.dataset.following) return;
    services.dataset.following = "1";
    agency.addEventListener("change", () => showServicesOf(services, agency.value));
    showServicesOf(services, agency.value);
  };

  const start = () => {
    enhance(document);
    // A refused form comes back with a summary of what to correct: bring it into view and read it.
    const summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSwap", () => enhance(document));
})();

// Issue 11, phone width: the header's menu and account fold behind <details> on a phone and are
// shown in full from 60em by CSS (::details-content). A browser without it would keep them folded
// on a wide screen too: there, open them while the screen is wide.
(() => {
  if (window.CSS && CSS.supports("selector(::details-content)")) return;
  const wide = window.matchMedia("(min-width: 60em)");
  const follow = () => {
    document.querySelectorAll("header.top details.menu, header.top details.account").forEach((d) => {
      d.open = wide.matches;
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
  wide.addEventListener("change", follow);
})();

// Issue 11, the journeys (keyboard): a table that scrolls inside its own box (.table-scroll) can be
// scrolled from the keyboard too. Only a box that does scroll at this width becomes a tab stop, named
// after its table's caption or its section's heading, so a wide screen keeps no extra stop.
(() => {
  const reachable = () => {
    // A chart keeps a readable width on a phone and scrolls inside its figure (issue 13) likewise.
    document.querySelectorAll(".table-scroll, figure.chart").forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        const title = box.querySelector("caption") || box.closest("section")?.querySelector("h2, h3");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (title && title.textContent.trim()) box.setAttribute("aria-label", title.textContent.trim());
        box.dataset.scrollStop = "1";
      } else if (!scrolls && box.dataset.scrollStop) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollStop;
      }
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reachable);
  else reachable();
  window.addEventListener("resize", reachable);
  document.addEventListener("htmx:afterSwap", reachable);
})();

// Issue 13, the insights: a Print button (button[data-print]) prints the page; the CSP allows no
// inline onclick. Print styles in app.css hide the filters and keep each figure on one page.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-print]") : null;
  if (!button) return;
  event.preventDefault();
  window.print();
});

// Issue 14, retention and erasure: a button with data-confirm asks before its form is sent (confirming
// an erasure cannot be undone); the CSP allows no inline onclick.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-confirm]") : null;
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Issue 14, the HTCDS import pages: a job that runs (progress[data-job-progress] names its progress
// URL) is followed every two seconds, and the page is reloaded once the job has finished. Without a
// script, the page's "Reload this page" link does the same.
(() => {
  const follow = () => {
    const bar = document.querySelector("progress[data-job-progress]");
    if (!bar) return;
    const text = document.querySelector("[data-job-progress-text]");
    const tick = async () => {
      try {
        const answer = await fetch(bar.dataset.jobProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        const job = answer.ok ? await answer.json() : null;
        if (job && job.finished) {
          window.location.reload();
          return;
        }
        if (job) {
          bar.value = job.percent;
          bar.textContent = `${job.percent}%`;
          if (text && job.status === "running") text.textContent = `${job.done} / ${job.total}`;
        }
      } catch (error) {
        // The server out of reach for a moment: try again at the next tick.
      }
      window.setTimeout(tick, 2000);
    };
    window.setTimeout(tick, 2000);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
})();
