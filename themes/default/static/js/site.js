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
     built on first use. A keystroke decides every paper at once (string compares only) and
     updates the count; the DOM is then written from the top, a screenful per frame: at most
     30 papers shown (each one shown costs layout) and 300 changed; the rest follows in the
     next frames, mostly below the screen, where layout is skipped (content-visibility:
     auto). So each keystroke fits in a frame with 10,000 papers. While writes remain, the
     list has aria-busy="true". */
  var SHOWN_PER_FRAME = 30, CHANGES_PER_FRAME = 300;

  function setupFilter() {
    var form = document.querySelector("form.filter");
    var list = document.getElementById("paper-groups");
    if (!form || !list) return;
    var input = form.querySelector("input[type=search]");
    var chips = form.querySelectorAll("button[data-category]");
    var status = form.querySelector(".filter-status");
    var items = null, groups = [], pressed = {}, pressedCount = 0, next = 0, scheduled = false;

    function index() {
      if (items) return;
      items = [];
      list.querySelectorAll(".year-group").forEach(function (section) {
        var group = { el: section, shown: true, visible: 0 };
        groups.push(group);
        section.querySelectorAll(".paper-item").forEach(function (li) {
          items.push({ el: li, text: fold(li.textContent), category: li.getAttribute("data-category"),
                       group: group, shown: true, wanted: true });
        });
      });
    }

    function decide() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var count = 0, g;
      for (g = 0; g < groups.length; g++) groups[g].visible = 0;
      for (var i = 0; i < items.length; i++) {
        var item = items[i];
        var show = pressedCount === 0 || pressed[item.category] === true;
        for (var w = 0; show && w < words.length; w++) show = item.text.indexOf(words[w]) !== -1;
        item.wanted = show;
        if (show) { count++; item.group.visible++; }
      }
      status.textContent = count === items.length ? count + " papers" : count + " of " + items.length + " papers";
    }

    function write() {
      var shown = 0, changes = 0;
      for (; next < items.length && shown < SHOWN_PER_FRAME && changes < CHANGES_PER_FRAME; next++) {
        var item = items[next], group = item.group;
        if (group.shown !== group.visible > 0) { group.shown = group.visible > 0; group.el.hidden = !group.shown; }
        if (item.wanted !== item.shown) {
          item.shown = item.wanted;
          item.el.hidden = !item.wanted;
          changes++;
          if (item.wanted) shown++;
        }
      }
      if (next < items.length) {
        list.setAttribute("aria-busy", "true");
        if (!scheduled) {
          scheduled = true;
          /* After the next frame, not in it: each frame then carries one batch only. */
          requestAnimationFrame(function () {
            requestAnimationFrame(function () { scheduled = false; write(); });
          });
        }
      } else {
        list.removeAttribute("aria-busy");
      }
    }

    function apply() {
      index();
      decide();
      next = 0;
      write();
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
