// 引用本页: fill in today's date as the access date (GB/T 7714-2015 asks for it; the
// built page has no clock) and offer a button that copies the citation. Without this
// script the page still reads fully: the placeholder stays for the reader to replace.
(function () {
  "use strict";
  var citation = document.getElementById("citation");
  if (!citation) { return; }
  var date = citation.querySelector(".access-date");
  var now = new Date();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  if (date) {
    date.textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    var note = document.querySelector(".access-date-note");
    if (note) { note.hidden = true; }
  }
  if (!navigator.clipboard) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "copy-citation";
  button.textContent = "复制引文";
  var status = document.createElement("span");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(citation.textContent).then(function () {
      status.textContent = "已复制";
    }, function () {
      status.textContent = "复制失败，请手动选择引文复制";
    });
  });
  citation.insertAdjacentElement("afterend", button);
  button.insertAdjacentElement("afterend", status);
})();
