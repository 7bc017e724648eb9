// reintegra's only script besides htmx. No inline scripts anywhere: the CSP forbids them.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.submit();
  }
});
document.documentElement.classList.add("js");
