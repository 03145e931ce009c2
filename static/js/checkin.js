// Check-in without a page reload: the same POST as the plain form, asking for JSON, and the
// row updated in place. Without this script the form posts and the page reloads.
(function () {
  "use strict";
  const count = document.querySelector("[data-attended-count]");
  document.querySelectorAll(".attend-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const button = form.querySelector(".attend-button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          const row = form.closest(".checkin-row");
          row.classList.toggle("attended", data.attended);
          form.querySelector("[name=attended]").value = data.attended ? "0" : "1";
          button.setAttribute("aria-pressed", String(data.attended));
          button.querySelector(".state").textContent = data.attended ? "✓ Here" : "Tap to check in";
          if (count) { count.textContent = data.count; }
        })
        .catch(function () { form.submit(); })  // fall back to the plain POST
        .finally(function () { button.disabled = false; });
    });
  });
})();
