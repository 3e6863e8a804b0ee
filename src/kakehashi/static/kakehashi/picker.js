// Code pickers (reference/code_picker.html): a search box that finds occupation, industry and town codes by plain
// words. As one types, the server's options (reference:codes) fill the list; a choice becomes a ticked box that the
// form sends under the field's name, exactly as a select would.
//   keyboard: ↓/↑ move through the options, Enter takes one, Esc closes the list, Backspace in an empty box drops
//             the last choice; touch: tap the box to see the options, tap one to take it; untick a choice to drop it.
// Delegated from the document (no inline handlers: the Content-Security-Policy forbids them), so pickers in
// fragments htmx swaps in work too. Without this script the words typed are read when the form is sent.
"use strict";
(function () {
  if (window.kakehashiPickers) {
    return; // two forms with pickers on one page load this twice
  }
  window.kakehashiPickers = true;
  var WAIT_MS = 150;
  var timers = new WeakMap();

  function partsOf(element) {
    var root = element instanceof Element ? element.closest("[data-picker]") : null;
    if (!root) {
      return null;
    }
    return {
      root: root,
      input: root.querySelector("[data-picker-input]"),
      list: root.querySelector("[data-picker-list]"),
      chosen: root.querySelector("[data-picker-chosen]"),
    };
  }

  function optionsOf(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]"));
  }

  function close(p) {
    p.list.hidden = true;
    p.list.removeAttribute("data-for");
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function activeIndex(p) {
    return optionsOf(p).findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
  }

  function activate(p, index) {
    var options = optionsOf(p);
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && options[index]) {
      p.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({block: "nearest"});
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function search(p) {
    var asked = p.input.value;
    var url = p.root.getAttribute("data-url") + "&q=" + encodeURIComponent(asked);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        // A session that ended answers with the sign-in page: show nothing rather than that.
        if (!response.ok || response.redirected) {
          throw new Error("no options");
        }
        return response.text();
      })
      .then(function (html) {
        if (p.input.value !== asked || document.activeElement !== p.input) {
          return; // a later keystroke's answer is on its way, or the user has moved on
        }
        p.list.innerHTML = html; // the server's own escaped HTML: reference data only
        p.list.setAttribute("data-for", asked);
        optionsOf(p).forEach(function (o, i) { o.id = p.input.id + "-option-" + i; });
        p.list.hidden = false;
        p.input.setAttribute("aria-expanded", "true");
        activate(p, optionsOf(p).length === 1 ? 0 : -1);
      })
      .catch(function () { close(p); });
  }

  function later(p) {
    clearTimeout(timers.get(p.root));
    timers.set(p.root, setTimeout(function () { search(p); }, WAIT_MS));
  }

  function pick(p, option) {
    var code = option.getAttribute("data-code");
    var boxes = Array.prototype.slice.call(p.chosen.querySelectorAll("input[type=checkbox]"));
    if (!p.root.hasAttribute("data-multiple")) {
      p.chosen.textContent = "";
    } else if (boxes.some(function (b) { return b.value === code; })) {
      p.input.value = "";
      close(p);
      return;
    }
    var chip = document.createElement("label");
    chip.className = "picker-chip";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = p.root.getAttribute("data-name");
    box.value = code;
    box.checked = true;
    var text = document.createElement("span");
    text.textContent = option.getAttribute("data-label");
    chip.appendChild(box);
    chip.appendChild(text);
    p.chosen.appendChild(chip);
    p.input.value = "";
    close(p);
    p.input.focus();
  }

  function dropLast(p) {
    var chips = p.chosen.querySelectorAll(".picker-chip");
    if (chips.length) {
      chips[chips.length - 1].remove();
    }
  }

  document.addEventListener("input", function (event) {
    var p = event.target instanceof Element && event.target.matches("[data-picker-input]") ? partsOf(event.target) : null;
    if (p) {
      later(p);
    }
  });

  document.addEventListener("focusin", function (event) {
    var p = event.target instanceof Element && event.target.matches("[data-picker-input]") ? partsOf(event.target) : null;
    if (p && p.list.hidden) {
      search(p);
    }
  });

  document.addEventListener("focusout", function (event) {
    var p = partsOf(event.target);
    if (p && !(event.relatedTarget instanceof Element && p.root.contains(event.relatedTarget))) {
      close(p);
    }
  });

  document.addEventListener("keydown", function (event) {
    var p = event.target instanceof Element && event.target.matches("[data-picker-input]") ? partsOf(event.target) : null;
    if (!p) {
      return;
    }
    var options = optionsOf(p);
    var open = !p.list.hidden;
    var stale = p.list.getAttribute("data-for") !== p.input.value;
    if (open && stale && (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "Enter")) {
      // The list still answers what was typed before: ask now, and let this key wait for the answer.
      event.preventDefault();
      clearTimeout(timers.get(p.root));
      search(p);
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        search(p);
        return;
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = activeIndex(p) + step;
      activate(p, Math.max(0, Math.min(options.length - 1, next)));
    } else if (event.key === "Enter") {
      var index = activeIndex(p);
      if (open && index >= 0) {
        event.preventDefault();
        pick(p, options[index]);
      } else if (open && p.input.value.trim()) {
        event.preventDefault(); // several options: choose one first rather than send the words
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close(p);
    } else if (event.key === "Backspace" && !p.input.value) {
      dropLast(p);
    }
  });

  // Keep the focus in the box while an option is pressed, so that the list does not close under the finger.
  document.addEventListener("pointerdown", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-picker-list]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target instanceof Element ? event.target.closest("[data-picker-list] [role=option]") : null;
    var p = option ? partsOf(option) : null;
    if (p) {
      pick(p, option);
    }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.type === "checkbox" && !box.checked && box.closest("[data-picker-chosen]")) {
      var p = partsOf(box);
      box.closest(".picker-chip").remove();
      if (p) {
        p.input.focus();
      }
    }
  });
})();
