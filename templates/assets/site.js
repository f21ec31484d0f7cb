// Progressive enhancement only: the site reads fine with JavaScript off.
// Adds the theme toggle (remembered in localStorage) and a copy button on code blocks.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "lessonpress-theme";
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function currentTheme() {
    if (root.dataset.theme === "dark" || root.dataset.theme === "light") return root.dataset.theme;
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  // One polite live region announces what the buttons did to screen-reader users.
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);
  function announce(text) {
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 50);
  }

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var label = function () {
      var dark = currentTheme() === "dark";
      toggle.textContent = dark ? "Light theme" : "Dark theme";
      toggle.setAttribute("aria-pressed", dark ? "true" : "false");
    };
    toggle.hidden = false;
    label();
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: not remembered */ }
      label();
      announce(next === "dark" ? "Dark theme on" : "Light theme on");
    });
    // Follow the system setting while the reader has not chosen.
    if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener("change", label);
    // Another tab changed the theme.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY && (event.newValue === "dark" || event.newValue === "light")) {
        root.dataset.theme = event.newValue;
        label();
      }
    });
  }

  // Pagefind's default UI names its search input only by a title attribute; give it a real
  // accessible name (the visible placeholder text) once the UI has drawn it.
  var searchBox = document.querySelector("#search, .search");
  function nameSearchInput() {
    document.querySelectorAll(".pagefind-ui__search-input:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", input.getAttribute("placeholder") || "Search");
    });
  }
  if (searchBox && window.MutationObserver) {
    nameSearchInput();
    new MutationObserver(nameSearchInput).observe(searchBox, { childList: true, subtree: true });
  }

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyText(text, pre) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Plain http or an old browser: copy the selection the old way.
    return new Promise(function (resolve, reject) {
      selectContents(pre);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (ok) window.getSelection().removeAllRanges();
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  document.querySelectorAll(".cell-code .highlight, .code-block .highlight").forEach(function (block) {
    var pre = block.querySelector("pre");
    if (!pre) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    block.classList.add("has-copy-button");  // its first line moves down, clear of the button
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
    var timer = null;
    button.addEventListener("click", function () {
      var code = pre.innerText.replace(/\n$/, "");
      copyText(code, pre).then(function () {
        button.textContent = "Copied";
        announce("Code copied to the clipboard");
      }, function () {
        selectContents(pre);  // leave it selected for the reader to copy by hand
        button.textContent = "Press Ctrl+C";
        announce("Copying was blocked: the code is selected, press Control C to copy it");
      });
      clearTimeout(timer);
      timer = setTimeout(function () { button.textContent = "Copy"; }, 2000);
    });
    block.appendChild(button);
  });

  // Quizzes: a question's options become radio buttons in a fieldset; picking one says
  // "Correct" or "Not quite" in words (not by colour only) with the explanation, in a live
  // region. The <details> that holds the answer without JavaScript is then hidden.
  function enhanceQuestion(question) {
    var prompt = question.querySelector(".quiz-prompt");
    var options = question.querySelector(".quiz-options");
    var answer = question.querySelector(".quiz-answer");
    if (!prompt || !options || !answer) return;
    var fieldset = document.createElement("fieldset");
    fieldset.className = "quiz-fieldset";
    var legend = document.createElement("legend");
    var paragraph = prompt.children.length === 1 && prompt.firstElementChild.tagName === "P";
    if (paragraph) {
      while (prompt.firstElementChild.firstChild) legend.appendChild(prompt.firstElementChild.firstChild);
      prompt.remove();
    } else {  // a prompt with code or several paragraphs stays above, describing the group
      legend.textContent = "Choose an answer";
      fieldset.setAttribute("aria-describedby", prompt.id);
    }
    fieldset.appendChild(legend);
    var feedback = document.createElement("div");
    feedback.className = "quiz-feedback";
    feedback.setAttribute("aria-live", "polite");
    var explanation = answer.querySelector(".quiz-explanation");
    options.querySelectorAll(".quiz-option").forEach(function (option) {
      var label = document.createElement("label");
      label.className = "quiz-choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = prompt.id;
      label.appendChild(radio);
      var text = document.createElement("span");
      while (option.firstChild) text.appendChild(option.firstChild);
      label.appendChild(text);
      // Chromium gives a label's MathML no text, so a math-only option would be an unnamed radio.
      if (text.querySelector("math")) radio.setAttribute("aria-label", text.textContent.replace(/\s+/g, " ").trim());
      fieldset.appendChild(label);
      radio.addEventListener("change", function () {
        var right = option.hasAttribute("data-right");
        feedback.className = "quiz-feedback " + (right ? "is-right" : "is-wrong");
        feedback.textContent = "";
        var verdict = document.createElement("p");
        verdict.innerHTML = "<strong></strong>";
        verdict.firstChild.textContent = right ? "Correct." : "Not quite.";
        feedback.appendChild(verdict);
        if (explanation) feedback.appendChild(explanation.cloneNode(true));
      });
    });
    options.replaceWith(fieldset);
    fieldset.after(feedback);
    answer.hidden = true;
  }
  document.querySelectorAll(".quiz-question").forEach(enhanceQuestion);

  // Checklists: each item gets a checkbox whose tick this browser remembers, per page and item.
  document.querySelectorAll(".checklist-items").forEach(function (list) {
    list.classList.add("is-enhanced");
    list.querySelectorAll(":scope > .checklist-item").forEach(function (item) {
      var key = "lessonpress-checklist:" + location.pathname + ":" + item.textContent.trim();
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      try { box.checked = localStorage.getItem(key) === "1"; } catch (e) { /* not remembered */ }
      box.addEventListener("change", function () {
        try {
          if (box.checked) localStorage.setItem(key, "1"); else localStorage.removeItem(key);
        } catch (e) { /* private mode: not remembered */ }
      });
      label.appendChild(box);
      var text = document.createElement("span");  // one flex item, so the text wraps as prose
      while (item.firstChild) text.appendChild(item.firstChild);
      label.appendChild(text);
      item.appendChild(label);
    });
  });
})();
