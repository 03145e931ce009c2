// A visitor (or a member without a ZIP code) sees each call's start in the browser's own
// time zone, named, on the line the server left empty. A member with a ZIP code gets that
// line from the server instead, so the page never shows two "your time"s that disagree.
// Progressive: without JavaScript the page still shows the call's own time and zone.
document.querySelectorAll("time[data-local-target]").forEach(function (el) {
  var target = document.getElementById(el.dataset.localTarget);
  if (!target || !window.Intl) return;
  var start = new Date(el.getAttribute("datetime"));
  var text = new Intl.DateTimeFormat(undefined, {
    weekday: "long", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "long",
  }).format(start);
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  target.textContent = "Your time: " + text + (zone ? " (" + zone + ")" : "");
  target.hidden = false;
});
