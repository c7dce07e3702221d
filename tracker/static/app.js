// Show only the fields the chosen status needs (the server checks them again). A
// coordinating agency's form is a note only: no status to choose, nothing to do.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".status-form");
  const select = form && form.querySelector("select[name=status]");
  if (!select) return;
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
  // "Record: Submitted" at the top of the item page: one tap chooses the status and puts the
  // cursor in the document number, so a phone needs only that field, the date and "Save".
  for (const quick of document.querySelectorAll(".quick-status")) {
    quick.hidden = false;
    quick.addEventListener("click", () => {
      select.value = quick.dataset.status;
      update();
      form.querySelector("input[name=document_ref]").focus();
    });
  }
});

// A table pasted from Word or Excel: keep the clipboard's HTML too, which holds the merged
// cells (a lead agency written once for two rows) that the plain text loses. Typing in the
// box afterwards drops it, so what is read is always what the box shows.
document.addEventListener("DOMContentLoaded", () => {
  const area = document.querySelector("textarea[name=pasted]");
  const html = document.querySelector("input[name=pasted_html]");
  if (!area || !html) return;
  area.addEventListener("paste", (event) => {
    const data = event.clipboardData && event.clipboardData.getData("text/html");
    html.value = data && /<table/i.test(data) ? data : "";
  });
  area.addEventListener("input", (event) => {
    if (event.inputType !== "insertFromPaste") html.value = "";
  });
});

// On a phone the navigation folds behind the menu button; without this script the button
// stays hidden and the navigation open, so every link is still reachable.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".menu-toggle");
  const bar = button && button.closest(".topbar");
  if (!bar) return;
  const setOpen = (open) => {
    bar.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  bar.classList.add("menu-folds");
  button.hidden = false;
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      setOpen(false);
      button.focus();
    }
  });
});

// Item lists become cards on a phone (app.css): each cell is labelled with its column's
// header, unless the template labelled it already.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.grid.items:not(.import-preview)")) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.cells].forEach((cell, index) => {
        if (!cell.hasAttribute("data-label") && cell.colSpan === 1 && headers[index]) {
          cell.setAttribute("data-label", headers[index]);
        }
      });
    }
  }
});

// A document's file over the limit is refused as soon as it is chosen, not after a long
// upload: the field says why and is emptied (the server checks the size and type again).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    input.addEventListener("change", () => {
      const box = input.closest(".field") || input.parentElement;
      const old = box.querySelector(".error.size-check");
      if (old) old.remove();
      input.removeAttribute("aria-invalid");
      const file = input.files && input.files[0];
      if (file && file.size > Number(input.dataset.maxBytes)) {
        const error = document.createElement("p");
        error.className = "error size-check";
        error.textContent = input.dataset.tooBig;
        box.appendChild(error);
        input.setAttribute("aria-invalid", "true");
        input.value = "";
      }
    });
  }
});

// The print view's "Print" button opens the browser's print dialog (it is hidden in print).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".print-button")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});

// A PDF takes the server a few seconds (Chromium prints it): its button says "Generating PDF…"
// and waits, disabled, then the file is saved like any download. A refusal (no Chromium on the
// server, too busy) is said beside the buttons, and the page stays.
document.addEventListener("DOMContentLoaded", () => {
  const fileName = (response) => {
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "phu-luc.pdf";
  };
  const refusal = async (response, fallback) => {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = page.querySelector("main section p");
    return (message && message.textContent.trim()) || fallback;
  };
  for (const button of document.querySelectorAll("button[data-busy-label]")) {
    const form = button.form;
    const status = form && form.querySelector(".download-status");
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      if (button.disabled) return;
      const label = button.textContent;
      const url = new URL(button.formAction, window.location.href);
      url.search = new URLSearchParams(new FormData(form)).toString();
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = button.dataset.busyLabel;
      let problem = "";
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        const type = response.headers.get("Content-Type") || "";
        if (response.ok && response.redirected && !type.includes("pdf")) {
          // A large PDF is made in the background: follow to its waiting page.
          window.location.assign(response.url);
          return;
        }
        if (response.ok) {
          const link = document.createElement("a");
          link.href = URL.createObjectURL(await response.blob());
          link.download = fileName(response);
          link.hidden = true;
          document.body.append(link);
          link.click();
          link.remove();
          setTimeout(() => URL.revokeObjectURL(link.href), 60000);
        } else {
          problem = await refusal(response, button.dataset.failedLabel);
        }
      } catch {
        problem = button.dataset.failedLabel;   // the network, not the server
      }
      if (status) status.textContent = problem;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    });
  }
});

// The item form's "did you mean …?" for a lead agency that matches none: a tap puts the
// existing name in place of the one typed (without this script, the names are in the message).
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("input[name=lead_agency_name]");
  if (!input) return;
  for (const button of document.querySelectorAll(".agency-suggestion")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const typed = button.dataset.replace;
      input.value = input.value.includes(typed)
        ? input.value.replace(typed, button.dataset.value) : button.dataset.value;
      input.focus();
    });
  }
});

// "Copy" beside a calendar link (the account page): copies the link; without this script
// the button stays hidden and the link can be selected by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      input.select();
      navigator.clipboard.writeText(input.value).then(() => {
        button.textContent = button.dataset.copied || button.textContent;
      });
    });
  }
});
