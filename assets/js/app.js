// Hesheng: small enhancements; every page works without them.
(function () {
  "use strict";

  // On a phone the header is one line: the menu opens under it. Without
  // scripts the menu simply stays open and wraps.
  var menuButton = document.querySelector(".menu-toggle");
  var header = document.querySelector(".site-header");
  if (menuButton && header) {
    menuButton.hidden = false;
    header.classList.add("has-menu");
    menuButton.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        menuButton.setAttribute("aria-expanded", "false");
        menuButton.focus();
      }
    });
  }

  // Ask before destructive actions (the server asks again when scripts are off).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Repeating rows (agreement terms, statements): add, remove, move.
  function renumber(list) {
    var rows = list.querySelectorAll("[data-row]");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[data-name]").forEach(function (input) {
        var name = input.getAttribute("data-name").replace("#", index);
        input.name = name;
        input.id = name;
      });
      row.querySelectorAll("label[data-for]").forEach(function (label) {
        label.htmlFor = label.getAttribute("data-for").replace("#", index);
      });
      var number = row.querySelector("[data-number]");
      if (number) { number.textContent = String(index + 1); }
    });
  }
  document.querySelectorAll("[data-rows]").forEach(function (list) {
    var template = document.getElementById(list.getAttribute("data-rows"));
    var add = document.querySelector("[data-add='" + list.id + "']");
    if (add && template) {
      add.hidden = false;
      add.addEventListener("click", function () {
        list.appendChild(template.content.cloneNode(true));
        renumber(list);
        var rows = list.querySelectorAll("[data-row]");
        var first = rows[rows.length - 1].querySelector("select, input, textarea");
        if (first) { first.focus(); }
      });
    }
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) { return; }
      var row = button.closest("[data-row]");
      var action = button.getAttribute("data-action");
      if (action === "remove") { row.remove(); }
      if (action === "up" && row.previousElementSibling) { list.insertBefore(row, row.previousElementSibling); }
      if (action === "down" && row.nextElementSibling) { list.insertBefore(row.nextElementSibling, row); }
      renumber(list);
      button.focus();
    });
    renumber(list);
  });

  // Signature pad: draw with finger, pen or mouse; the PNG goes into a hidden field.
  document.querySelectorAll("canvas[data-signature]").forEach(function (canvas) {
    var field = document.getElementById(canvas.getAttribute("data-signature"));
    var clear = document.querySelector("[data-clear='" + canvas.id + "']");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    function point(event) {
      var r = canvas.getBoundingClientRect();
      return { x: (event.clientX - r.left) * canvas.width / r.width, y: (event.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
    });
    function finish() {
      if (drawing && drawn && field) { field.value = canvas.toDataURL("image/png"); }
      drawing = false;
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        if (field) { field.value = ""; }
      });
    }
  });

  // Term rows show the fields of their kind only; the server reads only
  // those (the others stay in the form, hidden, for a change of mind).
  function showKind(row) {
    var kind = row.querySelector("select[name$='.kind']");
    if (!kind) { return; }
    row.querySelectorAll("[data-kinds]").forEach(function (field) {
      field.hidden = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
    });
    var days = row.querySelector("select[name$='.days']");
    var weekdays = row.querySelector(".weekdays");
    if (days && weekdays) { weekdays.hidden = days.value !== "some"; }
  }
  document.addEventListener("change", function (event) {
    var row = event.target.closest(".term-row");
    if (row) { showKind(row); }
  });
  document.querySelectorAll(".term-row").forEach(showKind);
  // A days picker outside a term row shows its weekdays for "chosen days".
  document.querySelectorAll("select[data-days]").forEach(function (select) {
    var weekdays = select.parentNode.querySelector(".weekdays");
    function show() { if (weekdays) { weekdays.hidden = select.value !== "some"; } }
    select.addEventListener("change", show);
    show();
  });
  document.querySelectorAll("[data-rows]").forEach(function (list) {
    new MutationObserver(function () { list.querySelectorAll(".term-row").forEach(showKind); })
      .observe(list, { childList: true });
  });

  // The error summary names each field by its label, links to it, and
  // takes focus, so that a screen reader reads it first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    var colon = document.documentElement.lang.indexOf("zh") === 0 ? "：" : ": ";
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      var field = document.getElementById(id);
      var label = field && Array.prototype.filter.call(document.querySelectorAll("label"), function (l) {
        return l.htmlFor === id;
      })[0];
      var legend = !label && field && field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      var name = (label || legend) ? (label || legend).textContent.replace(/\*/g, "").trim() : "";
      if (name) { link.textContent = name + colon + link.textContent; }
      link.addEventListener("click", function (event) {
        if (!field) { return; }
        event.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      });
    });
    summary.focus();
  }
})();
