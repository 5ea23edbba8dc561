// Self-check of the report page: records script errors and whether every image decoded,
// into attributes of the body element (data-check, data-images-total, data-images-loaded,
// data-errors), so a headless browser's --dump-dom shows them.
(function () {
  var errors = [];
  window.addEventListener("error", function (ev) {
    var t = ev.target;
    if (t && t.tagName === "IMG") { errors.push("image failed: " + (t.alt || "?")); }
    else { errors.push("script error: " + (ev.message || "?")); }
  }, true);
  var origError = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    if (origError) { origError.apply(console, arguments); }
  };
  function check() {
    var imgs = document.getElementsByTagName("img");
    var loaded = 0;
    var bad = [];
    for (var i = 0; i < imgs.length; i++) {
      if (imgs[i].complete && imgs[i].naturalWidth > 0) { loaded++; }
      else { bad.push(imgs[i].alt || String(i)); }
    }
    var b = document.body;
    b.setAttribute("data-images-total", String(imgs.length));
    b.setAttribute("data-images-loaded", String(loaded));
    b.setAttribute("data-images-bad", JSON.stringify(bad));
    b.setAttribute("data-errors", JSON.stringify(errors));
    b.setAttribute("data-check", "done");
  }
  window.addEventListener("load", check);
})();
