/* Progressive enhancement only: every page works, and lists every paper, without this file.
   The inline script in <head> has already set <html class="js"> and the remembered theme. */
(function () {
  "use strict";
  var root = document.documentElement;
  var THEME_KEY = "scholarsite-theme";

  /* The theme toggle: a pressed "Dark theme" button. The choice is stored; with none
     stored the page follows the system, live (the CSS does that; we keep the state right). */
  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    var system = window.matchMedia("(prefers-color-scheme: dark)");
    function isDark() {
      var chosen = root.getAttribute("data-theme");
      return chosen ? chosen === "dark" : system.matches;
    }
    function show() { button.setAttribute("aria-pressed", String(isDark())); }
    button.addEventListener("click", function () {
      var theme = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", theme);
      try { localStorage.setItem(THEME_KEY, theme); } catch (e) { /* storage off: this page only */ }
      show();
    });
    system.addEventListener("change", show);
    show();
  }

  /* Copy buttons: data-copy names the element whose text goes to the clipboard. */
  function setupCopyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var label = button.querySelector(".copy-label");
      var status = button.parentNode.querySelector(".copy-status");
      if (!source || !navigator.clipboard) { button.hidden = true; return; }
      var timer;
      function tell(buttonText, message, ok) {
        label.textContent = buttonText;
        button.classList.toggle("copied", ok);
        if (status) status.textContent = message;
        clearTimeout(timer);
        timer = setTimeout(function () {
          label.textContent = "Copy BibTeX";
          button.classList.remove("copied");
          if (status) status.textContent = "";
        }, 3000);
      }
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent).then(function () {
          tell("Copied", "BibTeX copied to the clipboard.", true);
        }, function () {
          tell("Copy BibTeX", "Could not copy: select the text above instead.", false);
        });
      });
    });
  }

  /* Lowercase without accents, so "schoelkopf" finds "Schölkopf" and "é" finds "e". */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* The papers page's filter: every word typed must occur in a paper's text, and its
     category must be one of the pressed chips (any, when none is pressed). The index is
     built on first use; each keystroke then only compares strings and flips `hidden` on
     the items whose state changed, so 10,000 papers stay well under a frame's budget. */
  function setupFilter() {
    var form = document.querySelector("form.filter");
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    var chips = form.querySelectorAll("button[data-category]");
    var status = form.querySelector(".filter-status");
    var groups = null, total = 0, pressed = {}, pressedCount = 0;

    function index() {
      if (groups) return;
      groups = [];
      document.querySelectorAll(".year-group").forEach(function (section) {
        var items = [];
        section.querySelectorAll(".paper-item").forEach(function (li) {
          items.push({ el: li, text: fold(li.textContent), category: li.getAttribute("data-category"), shown: true });
        });
        total += items.length;
        groups.push({ el: section, items: items, shown: true });
      });
    }

    function apply() {
      index();
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var count = 0;
      for (var g = 0; g < groups.length; g++) {
        var group = groups[g], visible = 0;
        for (var i = 0; i < group.items.length; i++) {
          var item = group.items[i];
          var show = pressedCount === 0 || pressed[item.category] === true;
          for (var w = 0; show && w < words.length; w++) show = item.text.indexOf(words[w]) !== -1;
          if (show !== item.shown) { item.shown = show; item.el.hidden = !show; }
          if (show) visible++;
        }
        if ((visible > 0) !== group.shown) { group.shown = visible > 0; group.el.hidden = !group.shown; }
        count += visible;
      }
      status.textContent = count === total ? total + " papers" : count + " of " + total + " papers";
    }

    input.addEventListener("focus", index);
    input.addEventListener("input", apply);
    chips.forEach(function (chip) {
      chip.addEventListener("click", function () {
        var code = chip.getAttribute("data-category");
        var on = chip.getAttribute("aria-pressed") !== "true";
        chip.setAttribute("aria-pressed", String(on));
        pressed[code] = on;
        pressedCount += on ? 1 : -1;
        apply();
      });
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    if (input.value) apply();   /* the browser restored the text on "back" */
  }

  setupThemeToggle();
  setupCopyButtons();
  setupFilter();
})();
