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
