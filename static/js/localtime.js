// Show each call's start in the visitor's own time zone, next to the call's own.
// Progressive: without JavaScript the page already shows the call's time zone and UTC.
document.querySelectorAll("time[data-local-target]").forEach(function (el) {
  var target = document.getElementById(el.dataset.localTarget);
  if (!target || !window.Intl) return;
  var start = new Date(el.getAttribute("datetime"));
  var text = new Intl.DateTimeFormat(undefined, {
    weekday: "long", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  }).format(start);
  target.textContent = "Your time: " + text;
  target.hidden = false;
});
