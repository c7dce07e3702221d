// Show only the fields the chosen status needs (the server checks them again).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".status-form");
  if (!form) return;
  const select = form.querySelector("select[name=status]");
  const needs = {
    submitted: ["document_ref", "document_date"],
    approved: ["document_ref", "document_date"],
    postponed: ["new_period"],
  };
  const optional = ["document_ref", "document_date", "new_period"];
  const update = () => {
    const shown = needs[select.value] || [];
    for (const name of optional) {
      const box = form.querySelector(`#field-${name}`);
      const hasError = box && box.classList.contains("has-error");
      if (box) box.classList.toggle("is-hidden", !shown.includes(name) && !hasError);
    }
  };
  select.addEventListener("change", update);
  update();
});
