// Progressive enhancement only: the site reads fine with JavaScript off.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "lessonpress-theme";

  function currentTheme() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var label = function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      toggle.textContent = next === "dark" ? "Dark theme" : "Light theme";
      toggle.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    };
    toggle.hidden = false;
    label();
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch (e) {}
      label();
    });
  }

  document.querySelectorAll(".cell-code .highlight, .code-block .highlight").forEach(function (block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code to clipboard");
    button.addEventListener("click", function () {
      var code = block.querySelector("pre").innerText;
      navigator.clipboard.writeText(code).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      }, function () { button.textContent = "Press Ctrl+C"; });
    });
    block.appendChild(button);
  });
})();
